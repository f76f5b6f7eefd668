// The operator's day: the bookings of a day or a week, for one service or
// all of them, with who comes and why; attendance and cancellation with a
// reason. The list refreshes itself every 10 seconds while the page is
// visible (AdminService has no stream of bookings), so a booking made
// online appears at the counter without a reload.
import { useEffect, useRef, useState } from "preact/hooks";
import { problem } from "../shared/api";
import { addDays, dayHeading, isoDate, mondayOf, time, toDate } from "../shared/format";
import type { Booking } from "../gen/varco/v1/booking_pb";
import { BookingStatus } from "../gen/varco/v1/booking_pb";
import type { StaffRole } from "../gen/varco/v1/auth_pb";
import { admin } from "./api";
import { statusLabel, t } from "./messages";
import { go } from "../shared/router";
import { useResources } from "./resources";
import { Alert, Loading, TextArea, Title } from "../shared/ui";

/** pollEvery is how often the agenda asks for changes while visible. */
export const pollEvery = 10_000;

export interface View {
  service: string;
  day: string;
  week: boolean;
}

function viewOf(q: URLSearchParams): View {
  const day = q.get("giorno");
  return {
    service: q.get("servizio") ?? "",
    day: day && /^\d{4}-\d{2}-\d{2}$/.test(day) ? day : isoDate(new Date()),
    week: q.get("vista") === "settimana",
  };
}

/** agendaRoute is the agenda's route for a view. */
export function agendaRoute(v: View): string {
  const q = new URLSearchParams();
  if (v.service) q.set("servizio", v.service);
  q.set("giorno", v.day);
  if (v.week) q.set("vista", "settimana");
  return "agenda?" + q.toString();
}

export function Agenda({ org, role, query }: { org: string; role: StaffRole; query: URLSearchParams }) {
  const v = viewOf(query);
  const resources = useResources(org, role);
  const from = v.week ? mondayOf(v.day) : v.day;
  const to = v.week ? addDays(from, 6) : v.day;
  const [list, setList] = useState<Booking[] | undefined>();
  const [err, setErr] = useState("");
  const [updated, setUpdated] = useState<Date | undefined>();
  const [rowErr, setRowErr] = useState<Record<string, string>>({});
  const [flash, setFlash] = useState("");
  const [cancelling, setCancelling] = useState<Booking | undefined>();
  const seq = useRef(0);

  const load = async () => {
    const n = ++seq.current;
    try {
      const r = await admin.listBookings({ organizationId: org, resourceId: v.service, fromDate: from, toDate: to, pageSize: 500 });
      if (n !== seq.current) return; // a newer answer is on its way
      setList(r.bookings);
      setErr("");
      setUpdated(new Date());
    } catch (e) {
      if (n === seq.current) setErr(problem(e).message);
    }
  };

  useEffect(() => {
    setList(undefined);
    setRowErr({});
    void load();
    const tick = setInterval(() => {
      if (document.visibilityState === "visible") void load();
    }, pollEvery);
    const onVisible = () => {
      if (document.visibilityState === "visible") void load();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearInterval(tick);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [org, v.service, from, to]);

  const replace = (b: Booking) => setList((l) => l?.map((x) => (x.id === b.id ? b : x)));

  const mark = async (b: Booking, status: BookingStatus) => {
    setRowErr((m) => ({ ...m, [b.id]: "" }));
    setFlash("");
    try {
      const r = await admin.markAttendance({ bookingId: b.id, status });
      if (r.booking) replace(r.booking);
      setFlash(t("agenda.marked", b.code, statusLabel(status)));
    } catch (e) {
      setRowErr((m) => ({ ...m, [b.id]: problem(e).message }));
    }
  };

  const set = (p: Partial<View>) => go(agendaRoute({ ...v, ...p }));
  const step = v.week ? 7 : 1;
  const days = v.week ? Array.from({ length: 7 }, (_, i) => addDays(from, i)) : [v.day];
  const byDay = (d: string) => (list ?? []).filter((b) => b.localStart.startsWith(d));

  return (
    <>
      <Title>{v.week ? t("agenda.titleWeek", dayHeading(from), dayHeading(to)) : t("agenda.titleDay", dayHeading(v.day))}</Title>
      <form class="row g-3 align-items-end mb-3" onSubmit={(e) => e.preventDefault()} aria-label={t("agenda.filters")}>
        <div class="col-md-4">
          <label for="service" class="form-label">
            {t("agenda.service")}
          </label>
          <select id="service" class="form-select" value={v.service} onChange={(e) => set({ service: (e.currentTarget as HTMLSelectElement).value })}>
            <option value="">{t("agenda.allServices")}</option>
            {resources.map((r) => (
              <option value={r.id} key={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </div>
        <div class="col-md-3">
          <label for="day" class="form-label">
            {t("agenda.day")}
          </label>
          <input id="day" type="date" class="form-control" value={v.day} onChange={(e) => {
            const d = (e.currentTarget as HTMLInputElement).value;
            if (d) set({ day: d });
          }} />
        </div>
        <div class="col-md-5 d-flex flex-wrap gap-2">
          <button type="button" class="btn btn-outline-primary" id="prev" onClick={() => set({ day: addDays(v.day, -step) })}>
            {v.week ? t("agenda.prevWeek") : t("agenda.prevDay")}
          </button>
          <button type="button" class="btn btn-outline-primary" id="today" onClick={() => set({ day: isoDate(new Date()) })}>
            {t("agenda.today")}
          </button>
          <button type="button" class="btn btn-outline-primary" id="next" onClick={() => set({ day: addDays(v.day, step) })}>
            {v.week ? t("agenda.nextWeek") : t("agenda.nextDay")}
          </button>
          <div class="btn-group view-toggle" role="group" aria-label={t("agenda.view")}>
            <button type="button" id="view-day" class={"btn " + (v.week ? "btn-outline-primary" : "btn-primary")} aria-pressed={!v.week} onClick={() => set({ week: false })}>
              {t("agenda.viewDay")}
            </button>
            <button type="button" id="view-week" class={"btn " + (v.week ? "btn-primary" : "btn-outline-primary")} aria-pressed={v.week} onClick={() => set({ week: true })}>
              {t("agenda.viewWeek")}
            </button>
          </div>
        </div>
      </form>
      <p class="d-flex flex-wrap gap-2">
        <a class="btn btn-primary" id="to-counter" href={"#/" + deskRoute("sportello", v)}>
          {t("agenda.counter")}
        </a>
        <a class="btn btn-outline-primary" id="to-block" href={"#/" + deskRoute("blocca", v)}>
          {t("agenda.block")}
        </a>
      </p>
      <p class="small text-muted" id="updated">
        {updated ? t("agenda.updated", time(updated)) : ""}{" "}
        <button type="button" class="btn btn-link btn-sm p-0 align-baseline" onClick={() => void load()} id="reload">
          {t("agenda.reload")}
        </button>
      </p>
      {err && <Alert kind="danger">{err}</Alert>}
      <div role="status" aria-live="polite" id="flash">
        {flash && <div class="alert alert-success">{flash}</div>}
      </div>
      {!list && !err && <Loading label={t("loading")} />}
      {list &&
        days.map((d) => (
          <section key={d} aria-labelledby={`day-${d}`} class="mb-4">
            {v.week && (
              <h2 class="h4" id={`day-${d}`}>
                {dayHeading(d)}
              </h2>
            )}
            {!v.week && (
              <h2 class="visually-hidden" id={`day-${d}`}>
                {dayHeading(d)}
              </h2>
            )}
            <DayTable list={byDay(d)} rowErr={rowErr} showService={!v.service} onMark={mark} onCancel={(b) => {
              setFlash("");
              setCancelling(b);
            }} />
          </section>
        ))}
      {cancelling && (
        <CancelDialog booking={cancelling} onClose={(done) => {
          setCancelling(undefined);
          if (done) {
            replace(done);
            setRowErr((m) => ({ ...m, [done.id]: "" })); // an earlier refusal no longer applies
            setFlash(t("agenda.cancelled", done.code));
          }
        }} />
      )}
    </>
  );
}

/** deskRoute opens a desk page (counter booking, blocking) on the
 * agenda's service and day. */
function deskRoute(page: string, v: View): string {
  const q = new URLSearchParams();
  if (v.service) q.set("servizio", v.service);
  q.set("giorno", v.day);
  return page + "?" + q.toString();
}

/** actionable: attendance may be set (or corrected) on these. */
const attendable = new Set([BookingStatus.CONFIRMED, BookingStatus.DONE, BookingStatus.NO_SHOW]);

function DayTable(p: { list: Booking[]; rowErr: Record<string, string>; showService: boolean; onMark: (b: Booking, s: BookingStatus) => void; onCancel: (b: Booking) => void }) {
  if (p.list.length === 0) return <p class="text-muted">{t("agenda.none")}</p>;
  return (
    <div class="table-responsive">
      <table class="table align-middle">
        <thead>
          <tr>
            <th scope="col">{t("agenda.col.time")}</th>
            <th scope="col">{t("agenda.col.person")}</th>
            {p.showService && <th scope="col">{t("agenda.col.service")}</th>}
            <th scope="col">{t("agenda.col.reason")}</th>
            <th scope="col">{t("agenda.col.status")}</th>
            <th scope="col">{t("agenda.col.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {p.list.map((b) => {
            const start = toDate(b.span?.start);
            const zone = b.place?.timeZone || undefined;
            const who = b.beneficiary;
            const errID = `err-${b.id}`;
            const e = p.rowErr[b.id];
            return (
              <tr key={b.id} data-code={b.code} data-status={BookingStatus[b.status]}>
                <td>
                  <strong>{start ? time(start, zone) : b.localStart.slice(11)}</strong>
                  <div class="small">{b.code}</div>
                  {b.operator?.displayName && <div class="small text-muted">{b.operator.displayName}</div>}
                </td>
                <th scope="row" class="fw-normal">
                  <span class="fw-semibold">
                    {who?.givenName} {who?.familyName}
                  </span>
                  {b.onBehalf && <span class="badge bg-secondary ms-1">{t("agenda.onBehalf")}</span>}
                  <div class="small">{who?.codiceFiscale}</div>
                  <div class="small">
                    {who?.phone && <a href={`tel:${who.phone}`}>{who.phone}</a>} {who?.email && <a href={`mailto:${who.email}`}>{who.email}</a>}
                  </div>
                  {b.seats > 1 && <div class="small">{t("agenda.seats", b.seats)}</div>}
                </th>
                {p.showService && <td>{b.resourceName}</td>}
                <td>
                  {b.reason && <div>{b.reason}</div>}
                  {b.notes && (
                    <div class="small">
                      <span class="fw-semibold">{t("agenda.notes")}:</span> {b.notes}
                    </div>
                  )}
                </td>
                <td class="status">{statusLabel(b.status)}</td>
                <td class="booking-actions">
                  {attendable.has(b.status) && b.status !== BookingStatus.DONE && (
                    <button type="button" class="btn btn-sm btn-success" data-action="done" aria-describedby={e ? errID : undefined} onClick={() => p.onMark(b, BookingStatus.DONE)}>
                      {t("agenda.done")}
                      <span class="visually-hidden"> {b.code}</span>
                    </button>
                  )}
                  {attendable.has(b.status) && b.status !== BookingStatus.NO_SHOW && (
                    <button type="button" class="btn btn-sm btn-outline-secondary" data-action="no-show" aria-describedby={e ? errID : undefined} onClick={() => p.onMark(b, BookingStatus.NO_SHOW)}>
                      {t("agenda.noShow")}
                      <span class="visually-hidden"> {b.code}</span>
                    </button>
                  )}
                  {b.status === BookingStatus.CONFIRMED && !b.past && (
                    <a class="btn btn-sm btn-outline-primary" data-action="move" href={`#/sposta/${encodeURIComponent(b.id)}`}>
                      {t("agenda.move")}
                      <span class="visually-hidden"> {b.code}</span>
                    </a>
                  )}
                  {b.status === BookingStatus.CONFIRMED && !b.past && (
                    <a class="btn btn-sm btn-outline-primary" data-action="propose" href={`#/proponi/${encodeURIComponent(b.id)}`}>
                      {t("agenda.propose")}
                      <span class="visually-hidden"> {b.code}</span>
                    </a>
                  )}
                  {b.status === BookingStatus.CONFIRMED && !b.past && (
                    <button type="button" class="btn btn-sm btn-outline-danger" data-action="cancel" onClick={() => p.onCancel(b)}>
                      {t("agenda.cancel")}
                      <span class="visually-hidden"> {b.code}</span>
                    </button>
                  )}
                  {e && (
                    <div id={errID} class="invalid-feedback d-block" role="alert">
                      {e}
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** CancelDialog asks for the reason the citizen will read. */
function CancelDialog({ booking, onClose }: { booking: Booking; onClose: (done?: Booking) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<{ msg: string; fields: Record<string, string> }>({ msg: "", fields: {} });
  useEffect(() => {
    ref.current?.showModal();
    return () => ref.current?.close();
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const r = await admin.cancelBookingAsOperator({ bookingId: booking.id, reason });
      onClose(r.booking);
    } catch (x) {
      const p = problem(x);
      setErr({ msg: p.fields.reason ? "" : p.message, fields: p.fields });
    } finally {
      setBusy(false);
    }
  };
  const who = booking.beneficiary;
  return (
    <dialog ref={ref} aria-labelledby="cancel-title" id="cancel-dialog" onCancel={() => onClose()}>
      <form onSubmit={submit} noValidate>
        <h2 class="h4" id="cancel-title">
          {t("cancel.title", booking.code)}
        </h2>
        <p>{t("cancel.who", `${who?.givenName ?? ""} ${who?.familyName ?? ""}`.trim(), booking.localStart)}</p>
        {err.msg && <Alert kind="danger">{err.msg}</Alert>}
        <TextArea id="cancel-reason" label={t("cancel.reason")} value={reason} onInput={setReason} error={err.fields.reason} maxLength={500} />
        <div class="d-flex gap-2">
          <button type="submit" class="btn btn-danger" disabled={busy} id="cancel-confirm">
            {t("cancel.confirm")}
          </button>
          <button type="button" class="btn btn-outline-secondary" onClick={() => onClose()}>
            {t("cancel.back")}
          </button>
        </div>
      </form>
    </dialog>
  );
}
