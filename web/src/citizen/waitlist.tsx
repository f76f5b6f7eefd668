// The waiting list of full event slots: the join panel under the week grid,
// the citizen's entries with their place in line, and the offer (seats held
// in their name) that leads into the ordinary confirm flow.
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { useEffect, useState } from "preact/hooks";
import { problem, transport } from "../shared/api";
import { dateLong, time, toDate } from "../shared/format";
import { HoldSchema, type Hold } from "../gen/varco/v1/booking_pb";
import type { Resource, Slot } from "../gen/varco/v1/catalog_pb";
import { WaitlistService, WaitlistState, type WaitlistEntry } from "../gen/varco/v1/waitlist_pb";
import { go, here } from "../shared/router";
import { t } from "./messages";
import { useSession } from "./session";
import { Alert, Crumbs, Loading, Title } from "../shared/ui";

/** waitlist is WaitlistService on the shared transport (cookie session). */
export const waitlist = createClient(WaitlistService, transport);

const zone = "Europe/Rome";

/** JoinPanel replaces the grid's "continue" button when a full slot is
 * chosen: the seats wanted and the join button. */
export function JoinPanel({ resource, slot, seats }: { resource: Resource; slot: Slot; seats: number }) {
  const session = useSession();
  const maxSeats = Math.max(1, resource.policy?.maxSeatsPerBooking ?? 1);
  const [n, setN] = useState(Math.min(seats, maxSeats));
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState("");
  const [fieldErr, setFieldErr] = useState("");
  const [joined, setJoined] = useState<WaitlistEntry | null>(null);
  useEffect(() => {
    setJoined(null);
    setErr("");
    setFieldErr("");
  }, [slot.start?.seconds]);

  const join = async () => {
    setBusy(true);
    setErr("");
    setFieldErr("");
    try {
      const r = await waitlist.joinWaitlist({ resourceId: resource.id, slotStart: slot.start, seats: n });
      setJoined(r.entry!);
    } catch (e) {
      const p = problem(e);
      if (p.fields["seats"]) setFieldErr(p.fields["seats"]);
      else setErr(p.message);
    } finally {
      setBusy(false);
    }
  };

  if (joined) {
    return (
      <Alert kind="success" id="wl-joined">
        {t("wl.joined", String(joined.position))}{" "}
        <a href="#/lista-attesa" id="wl-joined-link">
          {t("wl.seeList")}
        </a>
      </Alert>
    );
  }
  return (
    <div class="callout note" id="wl-panel">
      <div class="callout-inner">
        <p>{t("wl.fullLead")}</p>
        {err && <Alert kind="danger">{err}</Alert>}
        {!session.account ? (
          <a class="btn btn-primary w-100" id="wl-login" href={`#/accesso?ritorno=${encodeURIComponent(here())}`}>
            {t("wl.loginFirst")}
          </a>
        ) : (
          <>
            {maxSeats > 1 && (
              <div class="form-group mb-3">
                <label for="wl-seats" class="active">
                  {t("wl.seats")}
                </label>
                <input id="wl-seats" class={"form-control" + (fieldErr ? " is-invalid" : "")} type="number" min={1} max={maxSeats} value={n}
                  aria-invalid={fieldErr ? "true" : undefined} aria-describedby={fieldErr ? "wl-seats-error" : undefined}
                  onChange={(e) => setN(Math.max(1, Number((e.currentTarget as HTMLInputElement).value) || 1))} />
                {fieldErr && (
                  <div id="wl-seats-error" class="invalid-feedback d-block" role="alert">
                    {fieldErr}
                  </div>
                )}
              </div>
            )}
            <button type="button" class="btn btn-primary w-100" id="join-waitlist" disabled={busy} onClick={join}>
              {t("wl.join")}
            </button>
          </>
        )}
      </div>
    </div>
  );
}

/** offerHold turns an offered entry into the hold the confirm flow takes. */
export function offerHold(e: WaitlistEntry): Hold {
  return create(HoldSchema, { id: e.holdId, resourceId: e.resourceId, span: e.slot, slotCount: 1, seats: e.seats, expiresAt: e.offerExpiresAt });
}

/** findOffer loads the caller's entry id when it holds an offer. */
export async function findOffer(entryId: string): Promise<WaitlistEntry | undefined> {
  const r = await waitlist.listMyWaitlist({});
  return r.entries.find((e) => e.id === entryId && e.state === WaitlistState.OFFERED && e.holdId);
}

function stateText(e: WaitlistEntry): string {
  switch (e.state) {
    case WaitlistState.WAITING:
      return t("wl.state.waiting", String(e.position));
    case WaitlistState.OFFERED:
      return t("wl.state.offered", time(toDate(e.offerExpiresAt)!, zone));
    case WaitlistState.CONVERTED:
      return t("wl.state.converted");
    case WaitlistState.LAPSED:
      return t("wl.state.lapsed");
    case WaitlistState.DECLINED:
      return t("wl.state.declined");
    case WaitlistState.LEFT:
      return t("wl.state.left");
    case WaitlistState.CLOSED:
      return t("wl.state.closed");
  }
  return "";
}

/** WaitlistLink sits on "Le mie prenotazioni": the way to the entries, with
 * a word when an offer waits for confirmation. */
export function WaitlistLink() {
  const [list, setList] = useState<WaitlistEntry[]>([]);
  useEffect(() => {
    waitlist.listMyWaitlist({}).then((r) => setList(r.entries), () => setList([]));
  }, []);
  const live = list.filter((e) => e.state === WaitlistState.WAITING || e.state === WaitlistState.OFFERED).length;
  const offers = list.filter((e) => e.state === WaitlistState.OFFERED).length;
  return (
    <p class="mb-3">
      <a href="#/lista-attesa" id="mine-waitlist">
        {t("wl.title")}
      </a>
      {live > 0 && ` · ${t("wl.liveCount", String(live))}`}
      {offers > 0 && <strong class="ms-1">· {t("wl.offerWaiting")}</strong>}
    </p>
  );
}

/** MyWaitlist is the citizen's entries: place in line, seats, state, the
 * offer to confirm, and "Lascia la lista". */
export function MyWaitlist() {
  const [list, setList] = useState<WaitlistEntry[] | null>(null);
  const [err, setErr] = useState("");
  const [msg, setMsg] = useState("");
  const [busy, setBusy] = useState("");
  const load = () => waitlist.listMyWaitlist({}).then((r) => setList(r.entries), (e) => setErr(problem(e).message));
  useEffect(() => {
    void load();
  }, []);

  const leave = async (e: WaitlistEntry) => {
    setBusy(e.id);
    setErr("");
    setMsg("");
    try {
      await waitlist.leaveWaitlist({ entryId: e.id });
      setMsg(t("wl.left"));
      await load();
    } catch (x) {
      setErr(problem(x).message);
    } finally {
      setBusy("");
    }
  };

  return (
    <>
      <Crumbs label={t("breadcrumb")} items={[{ href: "#/prenotazioni", text: t("mine.title") }]} current={t("wl.title")} />
      <Title>{t("wl.title")}</Title>
      <p>{t("wl.lead")}</p>
      {err && <Alert kind="danger">{err}</Alert>}
      {msg && <Alert kind="success">{msg}</Alert>}
      {!list && !err && <Loading label={t("loading")} />}
      {list && list.length === 0 && <p id="wl-none">{t("wl.none")}</p>}
      <ul class="list-unstyled" id="wl-list">
        {list?.map((e) => {
          const s = toDate(e.slot?.start)!, end = toDate(e.slot?.end)!;
          const live = e.state === WaitlistState.WAITING || e.state === WaitlistState.OFFERED;
          return (
            <li key={e.id} class="card-wrapper mb-3" data-entry={e.id} data-state={WaitlistState[e.state]}>
              <div class="card card-bg">
                <div class="card-body">
                  <h2 class="h5 card-title">{e.resourceName}</h2>
                  <p class="card-text mb-1">
                    {dateLong(s, zone)}, {time(s, zone)}–{time(end, zone)} · {t("wl.seatsN", String(e.seats))}
                  </p>
                  <p class="card-text mb-2 wl-state">
                    <strong>{stateText(e)}</strong>
                  </p>
                  {e.state === WaitlistState.CONVERTED && e.bookingId && (
                    <p class="mb-2">
                      <a href={`#/prenotazioni/${e.bookingId}`}>{t("wl.seeBooking")}</a>
                    </p>
                  )}
                  <div class="d-flex flex-wrap gap-2">
                    {e.state === WaitlistState.OFFERED && (
                      <button type="button" class="btn btn-primary btn-sm wl-confirm" onClick={() => go(`prenota/${e.resourceId}?offerta=${e.id}`)}>
                        {t("wl.confirmOffer")}
                      </button>
                    )}
                    {live && (
                      <button type="button" class="btn btn-outline-danger btn-sm wl-leave" disabled={busy === e.id} onClick={() => void leave(e)}>
                        {e.state === WaitlistState.OFFERED ? t("wl.decline") : t("wl.leave")}
                      </button>
                    )}
                  </div>
                </div>
              </div>
            </li>
          );
        })}
      </ul>
      <p>
        <a href="#/prenotazioni">{t("wl.back")}</a>
      </p>
    </>
  );
}

/** useOffer loads the offer named by the route into the booking flow. */
export function useOffer(entryId: string, onHold: (h: Hold) => void, onErr: (m: string) => void) {
  useEffect(() => {
    if (!entryId) return;
    findOffer(entryId).then(
      (e) => (e ? onHold(offerHold(e)) : onErr(t("wl.offerGone"))),
      (x) => onErr(problem(x).message),
    );
  }, [entryId]);
}
