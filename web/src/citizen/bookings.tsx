// After booking: the confirmation, my bookings, one booking with its
// history, cancel and reschedule.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, problem } from "../shared/api";
import type { Booking } from "../gen/varco/v1/booking_pb";
import { BookingFilter, BookingStatus } from "../gen/varco/v1/booking_pb";
import type { Resource } from "../gen/varco/v1/catalog_pb";
import { dateLong, dateTime, time, toDate } from "../shared/format";
import { googleURL, outlookURL } from "./calendar";
import { WeekGrid, type Choice } from "./grid";
import { go } from "../shared/router";
import { alertAfter } from "./account";
import { t } from "./messages";
import { TicketView } from "./ticket";
import { eventText, ProposalBox } from "./proposal";
import { Alert, Loading, TextArea, Title, Crumbs } from "../shared/ui";
import { WaitlistLink } from "./waitlist";

const zoneOf = (b: Booking) => b.place?.timeZone || "Europe/Rome";

export function statusText(s: BookingStatus): string {
  switch (s) {
    case BookingStatus.CONFIRMED:
      return t("status.confirmed");
    case BookingStatus.CANCELLED_BY_USER:
      return t("status.cancelledUser");
    case BookingStatus.CANCELLED_BY_OPERATOR:
      return t("status.cancelledOperator");
    case BookingStatus.DONE:
      return t("status.done");
    case BookingStatus.NO_SHOW:
      return t("status.noShow");
    case BookingStatus.RESCHEDULED:
      return t("status.rescheduled");
  }
  return "";
}

function useBooking(id: string) {
  const [b, setB] = useState<Booking | null>(null);
  const [err, setErr] = useState("");
  const load = () => api.booking.getBooking({ bookingId: id }).then((r) => setB(r.booking!), (e) => setErr(problem(e).message));
  useEffect(() => {
    load();
  }, [id]);
  return { b, err, setB, reload: load };
}

function When({ b }: { b: Booking }) {
  const s = toDate(b.span?.start)!, e = toDate(b.span?.end)!;
  return (
    <>
      {dateLong(s, zoneOf(b))}, {time(s, zoneOf(b))}–{time(e, zoneOf(b))}
    </>
  );
}

function Summary({ b }: { b: Booking }) {
  return (
    <dl class="row">
      <dt class="col-sm-4">{t("summary.code")}</dt>
      <dd class="col-sm-8">
        <strong class="booking-code">{b.code}</strong>
      </dd>
      <dt class="col-sm-4">{t("summary.service")}</dt>
      <dd class="col-sm-8">{b.resourceName}</dd>
      <dt class="col-sm-4">{t("summary.place")}</dt>
      <dd class="col-sm-8">
        {b.place?.name}
        {b.place?.address?.street ? `, ${b.place.address.street}, ${b.place.address.city}` : ""}
      </dd>
      <dt class="col-sm-4">{t("summary.when")}</dt>
      <dd class="col-sm-8">
        <When b={b} />
      </dd>
      {b.seats > 1 && (
        <>
          <dt class="col-sm-4">{t("summary.seats")}</dt>
          <dd class="col-sm-8">{b.seats}</dd>
        </>
      )}
      {b.operator && (
        <>
          <dt class="col-sm-4">{t("summary.operator")}</dt>
          <dd class="col-sm-8">{b.operator.displayName}</dd>
        </>
      )}
      <dt class="col-sm-4">{t("summary.for")}</dt>
      <dd class="col-sm-8">
        {b.beneficiary?.givenName} {b.beneficiary?.familyName}
      </dd>
      {b.meetingUrl && (
        <>
          <dt class="col-sm-4">{t("summary.meeting")}</dt>
          <dd class="col-sm-8">
            <a href={b.meetingUrl} target="_blank" rel="noopener noreferrer" id="meeting-link">
              {b.meetingUrl}
              <span class="visually-hidden"> {t("newWindow")}</span>
            </a>
          </dd>
        </>
      )}
      <dt class="col-sm-4">{t("summary.status")}</dt>
      <dd class="col-sm-8">
        <span class="badge bg-primary" id="booking-status">{statusText(b.status)}</span>
        {b.past && <span class="badge bg-secondary ms-2">{t("mine.pastBadge")}</span>}
      </dd>
    </dl>
  );
}

/** ReceiptButton downloads the booking's PDF receipt (any state: a
 * cancelled booking's receipt says so). */
function ReceiptButton({ b }: { b: Booking }) {
  const [err, setErr] = useState("");
  const download = async () => {
    try {
      const r = await api.booking.getReceipt({ bookingId: b.id });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([r.pdf as BlobPart], { type: "application/pdf" }));
      a.download = r.fileName || `${b.code}.pdf`;
      a.click();
      setErr("");
    } catch (e) {
      setErr(problem(e).message);
    }
  };
  return (
    <p class="mb-4">
      {err && <Alert kind="danger">{err}</Alert>}
      <button type="button" class="btn btn-outline-primary" onClick={download} id="receipt">
        {t("booking.receipt")}
      </button>
    </p>
  );
}

function CalendarLinks({ b }: { b: Booking }) {
  const [err, setErr] = useState("");
  // The file is fetched on demand: nothing on the page moves while it
  // loads, so no tap lands on a control that just shifted.
  const download = async () => {
    try {
      const r = await api.booking.getCalendarFile({ bookingId: b.id });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([r.ics as BlobPart], { type: "text/calendar" }));
      a.download = r.fileName || `${b.code}.ics`;
      a.click();
      setErr("");
    } catch (e) {
      setErr(problem(e).message);
    }
  };
  return (
    <section class="mb-4" aria-labelledby="cal">
      <h2 class="h5" id="cal">
        {t("done.calendar")}
      </h2>
      {err && <Alert kind="danger">{err}</Alert>}
      <ul class="list-inline">
        <li class="list-inline-item">
          <button type="button" class="btn btn-outline-primary btn-sm" onClick={download} id="ics-link">
            {t("done.ics")}
          </button>
        </li>
        <li class="list-inline-item">
          <a class="btn btn-outline-primary btn-sm" href={googleURL(b)} target="_blank" rel="noopener noreferrer">
            Google Calendar<span class="visually-hidden"> {t("newWindow")}</span>
          </a>
        </li>
        <li class="list-inline-item">
          <a class="btn btn-outline-primary btn-sm" href={outlookURL(b)} target="_blank" rel="noopener noreferrer">
            Outlook<span class="visually-hidden"> {t("newWindow")}</span>
          </a>
        </li>
      </ul>
    </section>
  );
}

export function Done({ id }: { id: string }) {
  const { b, err } = useBooking(id);
  if (err) return <Alert kind="danger">{err}</Alert>;
  if (!b) return <Loading label={t("loading")} />;
  return (
    <>
      <Title>{t("done.title")}</Title>
      <Alert kind="success">
        {t("done.lead")} <strong id="done-code">{b.code}</strong>
      </Alert>
      <Summary b={b} />
      {b.documentsToBring.length > 0 && (
        <div class="callout note mb-4">
          <div class="callout-title">{t("service.documents")}</div>
          <ul class="mb-0">
            {b.documentsToBring.map((x) => (
              <li key={x}>{x}</li>
            ))}
          </ul>
        </div>
      )}
      <CalendarLinks b={b} />
      <ReceiptButton b={b} />
      {b.ticketed && <TicketView bookingId={b.id} compact />}
      <section class="mb-4" aria-labelledby="howcancel">
        <h2 class="h5" id="howcancel">
          {t("done.cancelTitle")}
        </h2>
        <p>{t("done.cancelText")}</p>
        <a href={`#/prenotazioni/${b.id}`}>{t("done.manage")}</a>
      </section>
    </>
  );
}

export function Mine() {
  const [tab, setTab] = useState<BookingFilter>(BookingFilter.UPCOMING);
  const [list, setList] = useState<Booking[] | null>(null);
  const [err, setErr] = useState("");
  useEffect(() => {
    setList(null);
    api.booking.listMyBookings({ filter: tab, pageSize: 100 }).then((r) => setList(r.bookings), (e) => setErr(problem(e).message));
  }, [tab]);
  return (
    <>
      <Title>{t("mine.title")}</Title>
      <WaitlistLink />
      <div class="btn-group mb-3" role="group" aria-label={t("mine.title")}>
        <button type="button" class={"btn " + (tab === BookingFilter.UPCOMING ? "btn-primary" : "btn-outline-primary")} aria-pressed={tab === BookingFilter.UPCOMING} onClick={() => setTab(BookingFilter.UPCOMING)}>
          {t("mine.upcoming")}
        </button>
        <button type="button" class={"btn " + (tab === BookingFilter.PAST ? "btn-primary" : "btn-outline-primary")} aria-pressed={tab === BookingFilter.PAST} onClick={() => setTab(BookingFilter.PAST)}>
          {t("mine.past")}
        </button>
      </div>
      {err && <Alert kind="danger">{err}</Alert>}
      {!list && !err && <Loading label={t("loading")} />}
      {list && list.length === 0 && <p>{t("mine.none")}</p>}
      <ul class="list-unstyled">
        {list?.map((b) => (
          <li key={b.id} class="card-wrapper mb-3">
            <div class="card card-bg">
              <div class="card-body">
                <h2 class="h5 card-title">
                  <a href={`#/prenotazioni/${b.id}`}>{b.resourceName}</a>
                </h2>
                <p class="card-text mb-1">
                  <When b={b} />
                </p>
                <p class="card-text small mb-0">
                  {t("summary.code")} {b.code} · {statusText(b.status)}
                  {b.past ? ` · ${t("mine.pastBadge")}` : ""}
                </p>
              </div>
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}

export function BookingPage({ id }: { id: string }) {
  const { b, err, setB, reload } = useBooking(id);
  const [mode, setMode] = useState<"" | "cancel" | "move">("");
  const [reason, setReason] = useState("");
  const [msg, setMsg] = useState<{ kind: "success" | "danger"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [resource, setResource] = useState<Resource | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const idem = useRef("");
  if (err) return <Alert kind="danger">{err}</Alert>;
  if (!b) return <Loading label={t("loading")} />;
  const active = b.status === BookingStatus.CONFIRMED && !b.past;
  const cancellable = active && (!b.cancellableUntil || toDate(b.cancellableUntil)!.getTime() > Date.now());

  const doCancel = async () => {
    setBusy(true);
    try {
      const r = await api.booking.cancelBooking({ bookingId: b.id, reason });
      setB(r.booking!);
      setMsg({ kind: "success", text: t("booking.cancelled") });
      dialog.current?.close();
      setMode("");
    } catch (e) {
      setMsg({ kind: "danger", text: problem(e).message });
      dialog.current?.close();
    } finally {
      setBusy(false);
    }
  };
  const startMove = async () => {
    setMode("move");
    idem.current = crypto.randomUUID();
    const r = await api.catalog.getResource({ resourceId: b.resourceId });
    setResource(r.resource!);
  };
  const doMove = async (c: Choice) => {
    setBusy(true);
    try {
      const r = await api.booking.rescheduleBooking({ bookingId: b.id, newSlotStart: c.slot.start, operatorId: c.operatorId, idempotencyKey: idem.current });
      // The new booking has its own page: the message travels with the
      // navigation.
      alertAfter(t("booking.moved"));
      setMode("");
      go(`prenotazioni/${r.booking!.id}`);
    } catch (e) {
      setMsg({ kind: "danger", text: problem(e).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Crumbs label={t("breadcrumb")} items={[{ href: "#/prenotazioni", text: t("mine.title") }]} current={b.code} />
      <Title>{b.resourceName}</Title>
      {msg && <Alert kind={msg.kind}>{msg.text}</Alert>}
      <Summary b={b} />
      {active && <ProposalBox b={b} zone={zoneOf(b)} onDeclined={(nb) => { setB(nb); setMsg({ kind: "success", text: t("proposal.declined") }); }} onError={(text) => setMsg({ kind: "danger", text })} />}
      {b.ticketed && active && (
        <p>
          <a class="btn btn-primary" href={`#/biglietto/${b.id}`} id="open-ticket">
            {t("booking.ticket")}
          </a>
        </p>
      )}
      {active && <CalendarLinks b={b} />}
      <ReceiptButton b={b} />
      {cancellable && mode === "" && (
        <div class="d-flex flex-wrap gap-2 mb-4">
          <button type="button" class="btn btn-outline-primary" onClick={startMove} id="move">
            {t("booking.move")}
          </button>
          <button type="button" class="btn btn-outline-danger" id="cancel" onClick={() => dialog.current?.showModal()}>
            {t("booking.cancel")}
          </button>
        </div>
      )}
      {active && !cancellable && <p class="text-muted">{t("booking.tooLate")}</p>}
      {mode === "move" && resource && (
        <section aria-labelledby="move-h" class="mb-4">
          <h2 class="h4" id="move-h">
            {t("booking.moveTitle")}
          </h2>
          <WeekGrid resource={resource} zone={zoneOf(b)} onChoose={doMove} busy={busy} action={t("booking.moveConfirm")} />
          <button type="button" class="btn btn-link" onClick={() => setMode("")}>
            {t("book.back")}
          </button>
        </section>
      )}
      <dialog ref={dialog} class="p-4 border rounded" aria-labelledby="cancel-h" id="cancel-dialog">
        <form method="dialog" onSubmit={(e) => { e.preventDefault(); doCancel(); }}>
          <h2 class="h4" id="cancel-h">
            {t("booking.cancelTitle")}
          </h2>
          <p>{t("booking.cancelConfirm")}</p>
          <TextArea id="cancel-reason" label={t("booking.cancelReason")} value={reason} onInput={setReason} maxLength={500} />
          <div class="d-flex gap-2">
            <button type="button" class="btn btn-outline-primary" onClick={() => dialog.current?.close()}>
              {t("booking.keep")}
            </button>
            <button type="submit" class="btn btn-danger" disabled={busy} id="cancel-confirm">
              {t("booking.cancelYes")}
            </button>
          </div>
        </form>
      </dialog>
      {b.history.length > 0 && (
        <section aria-labelledby="hist">
          <h2 class="h5" id="hist">
            {t("booking.history")}
          </h2>
          <ol class="list-unstyled">
            {b.history.map((h, i) => (
              <li key={i} class="mb-1">
                {dateTime(toDate(h.at)!, zoneOf(b))} — {h.event ? eventText(h.event) : statusText(h.status)}
                {h.actor?.displayName ? ` (${h.actor.displayName})` : ""}
                {h.reason ? `: ${h.reason}` : ""}
              </li>
            ))}
          </ol>
        </section>
      )}
      <button type="button" class="btn btn-link px-0" onClick={reload}>
        {t("refresh")}
      </button>
    </>
  );
}
