// My ticket: the QR large and high-contrast with its quiet zone, the
// validity window, seats and maximum stay; once scanned in, the live state
// with the time left. A copy is kept on the device so the ticket opens with
// no network at the gate.
import { useEffect, useState } from "preact/hooks";
import { api, problem } from "../shared/api";
import { TicketState } from "../gen/varco/v1/booking_pb";
import { dateTime, mmss, time, toDate } from "../shared/format";
import { t } from "./messages";
import { PushToggle } from "./push";
import { Alert, Loading, Title, Crumbs } from "../shared/ui";

interface Stored {
  bookingId: string;
  resourceName: string;
  zone: string;
  maxStayMin: number;
  savedAt: number;
  tickets: {
    id: string;
    payload: string;
    png: string; // data: URL
    seats: number;
    validFrom: number;
    validUntil: number;
    state: TicketState;
    enteredAt: number;
    expiresAt: number;
  }[];
}

const storeKey = (id: string) => `varco.ticket.${id}`;

function load(id: string): Stored | null {
  try {
    const s = localStorage.getItem(storeKey(id));
    return s ? (JSON.parse(s) as Stored) : null;
  } catch {
    return null;
  }
}

/** hasStoredTicket says whether the device keeps a copy of the ticket. */
export function hasStoredTicket(bookingId: string): boolean {
  return load(bookingId) !== null;
}

function save(s: Stored) {
  try {
    localStorage.setItem(storeKey(s.bookingId), JSON.stringify(s));
  } catch {
    /* storage full or disabled: online only */
  }
}

function b64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function fetchTicket(bookingId: string): Promise<Stored> {
  const [b, tk] = await Promise.all([api.booking.getBooking({ bookingId }), api.booking.getTicket({ bookingId, includePng: true })]);
  const res = await api.catalog.getResource({ resourceId: b.booking!.resourceId });
  const ms = (x: Parameters<typeof toDate>[0]) => toDate(x)?.getTime() ?? 0;
  const s: Stored = {
    bookingId,
    resourceName: b.booking!.resourceName,
    zone: b.booking!.place?.timeZone || "Europe/Rome",
    maxStayMin: Math.round(Number(res.resource?.policy?.tickets?.maxStay?.seconds ?? 0) / 60),
    savedAt: Date.now(),
    tickets: tk.tickets.map((x) => ({
      id: x.id, payload: x.payload, png: "data:image/png;base64," + b64(x.qrPng), seats: x.seats,
      validFrom: ms(x.validFrom), validUntil: ms(x.validUntil), state: x.state, enteredAt: ms(x.enteredAt), expiresAt: ms(x.expiresAt),
    })),
  };
  save(s);
  return s;
}

function stateText(s: TicketState): string {
  switch (s) {
    case TicketState.ISSUED:
      return t("ticket.issued");
    case TicketState.INSIDE:
      return t("ticket.inside");
    case TicketState.EXITED:
      return t("ticket.exited");
    case TicketState.EXPIRED:
      return t("ticket.expired");
    case TicketState.REVOKED:
      return t("ticket.revoked");
  }
  return "";
}

export function TicketView({ bookingId, compact }: { bookingId: string; compact?: boolean }) {
  const [s, setS] = useState<Stored | null>(() => load(bookingId));
  const [offline, setOffline] = useState(false);
  const [err, setErr] = useState("");
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    let live = true;
    const refresh = () =>
      fetchTicket(bookingId).then(
        (x) => {
          if (!live) return;
          setS(x);
          setOffline(false);
        },
        (e) => {
          if (!live) return;
          const p = problem(e);
          if (p.network) setOffline(true);
          else setErr(p.message);
        },
      );
    refresh();
    // The live state (inside since, exited) comes from the gates: poll while
    // the page is visible.
    const poll = setInterval(() => document.visibilityState === "visible" && refresh(), 15_000);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      live = false;
      clearInterval(poll);
      clearInterval(tick);
    };
  }, [bookingId]);
  if (!s) return err ? <Alert kind="danger">{err}</Alert> : <Loading label={t("loading")} />;
  const z = s.zone;
  return (
    <section aria-labelledby="ticket-h" class="mb-4">
      <h2 class={compact ? "h5" : "visually-hidden"} id="ticket-h">
        {t("ticket.title")}
      </h2>
      {offline && <Alert kind="info">{t("ticket.offline", dateTime(new Date(s.savedAt), z))}</Alert>}
      {err && <Alert kind="danger">{err}</Alert>}
      {s.tickets.map((x) => {
        const left = x.expiresAt - now;
        return (
          <div class="ticket border rounded p-3 mb-3" key={x.id}>
            <img class="ticket-qr" src={x.png} alt={t("ticket.qrAlt", s.resourceName)} width={320} height={320} data-payload={x.payload} id={`qr-${x.id}`} />
            <dl class="row mt-3 mb-0">
              <dt class="col-6">{t("ticket.state")}</dt>
              <dd class="col-6" id="ticket-state">
                {stateText(x.state)}
              </dd>
              <dt class="col-6">{t("ticket.valid")}</dt>
              <dd class="col-6">
                {dateTime(new Date(x.validFrom), z)} – {time(new Date(x.validUntil), z)}
              </dd>
              <dt class="col-6">{t("summary.seats")}</dt>
              <dd class="col-6">{x.seats}</dd>
              {s.maxStayMin > 0 && (
                <>
                  <dt class="col-6">{t("ticket.maxStay")}</dt>
                  <dd class="col-6">{t("ticket.minutes", s.maxStayMin)}</dd>
                </>
              )}
              {x.state === TicketState.INSIDE && x.enteredAt > 0 && (
                <>
                  <dt class="col-6">{t("ticket.since")}</dt>
                  <dd class="col-6">{time(new Date(x.enteredAt), z)}</dd>
                </>
              )}
              {x.state === TicketState.INSIDE && x.expiresAt > 0 && (
                <>
                  <dt class="col-6">{t("ticket.leftLabel")}</dt>
                  <dd class="col-6">
                    <strong id="ticket-left">{left > 0 ? mmss(left) : t("ticket.over")}</strong> ({t("ticket.until", time(new Date(x.expiresAt), z))})
                  </dd>
                </>
              )}
            </dl>
          </div>
        );
      })}
      {s.maxStayMin > 0 && <PushToggle />}
    </section>
  );
}

export function TicketPage({ bookingId }: { bookingId: string }) {
  return (
    <>
      <Crumbs label={t("breadcrumb")} items={[{ href: "#/prenotazioni", text: t("mine.title") }, { href: `#/prenotazioni/${bookingId}`, text: t("booking.details") }]} current={t("ticket.title")} />
      <Title>{t("ticket.title")}</Title>
      <TicketView bookingId={bookingId} />
    </>
  );
}
