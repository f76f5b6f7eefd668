// Opening hours of a service or event: the weekly rules and the closures
// (and other exceptions), edited as a proposal whose week grid is
// previewed — with the bookings it would strand — before it is saved
// (AdminService.GetSchedule, PreviewSchedule, SetSchedule,
// AddScheduleException, DeleteScheduleException).
import { useEffect, useState } from "preact/hooks";
import type { Booking } from "../gen/varco/v1/booking_pb";
import type { Day, GetResourceResponse } from "../gen/varco/v1/catalog_pb";
import { ResourceKind, SlotState } from "../gen/varco/v1/catalog_pb";
import type { ScheduleException } from "../gen/varco/v1/schedule_pb";
import { ExceptionKind, Weekday } from "../gen/varco/v1/schedule_pb";
import { problem } from "../shared/api";
import { addDays, dateTime, dayHeading, isoDate, mondayOf, toDate } from "../shared/format";
import { Alert, Check, Field, Loading, Title } from "../shared/ui";
import { admin, catalog } from "./api";
import { durationOf, failure, intOf, minutesText, noFailure, Select, type Failure } from "./setup_form";
import { s, type SetupKey } from "./setup_messages";

interface Rule {
  weekday: Weekday;
  start: string;
  end: string;
  slot: string;
  seats: string;
  operatorIds: string[];
  validFrom: string;
  validUntil: string;
}

interface NewException {
  kind: ExceptionKind;
  startDate: string;
  endDate: string;
  startTime: string;
  endTime: string;
  yearly: boolean;
  operatorId: string;
  reason: string;
  slot: string;
  seats: string;
}

const weekdays: [Weekday, SetupKey][] = [
  [Weekday.MONDAY, "wd.1"], [Weekday.TUESDAY, "wd.2"], [Weekday.WEDNESDAY, "wd.3"], [Weekday.THURSDAY, "wd.4"],
  [Weekday.FRIDAY, "wd.5"], [Weekday.SATURDAY, "wd.6"], [Weekday.SUNDAY, "wd.7"],
];
const excKinds: [ExceptionKind, SetupKey][] = [
  [ExceptionKind.CLOSURE, "exc.closure"], [ExceptionKind.EXTRA_OPENING, "exc.extra"], [ExceptionKind.OPERATOR_UNAVAILABLE, "exc.absence"],
];
const stateKeys: Partial<Record<SlotState, SetupKey>> = {
  [SlotState.PAST]: "state.past", [SlotState.CLOSED]: "state.closed", [SlotState.NOT_YET_BOOKABLE]: "state.notYet",
  [SlotState.BOOKING_CLOSED]: "state.bookingClosed", [SlotState.AVAILABLE]: "state.available", [SlotState.FULL]: "state.full",
  [SlotState.HELD]: "state.held",
};

const newRule = (): Rule => ({ weekday: Weekday.MONDAY, start: "09:00", end: "12:00", slot: "30", seats: "1", operatorIds: [], validFrom: "", validUntil: "" });
const newException = (): NewException => ({
  kind: ExceptionKind.CLOSURE, startDate: "", endDate: "", startTime: "", endTime: "", yearly: false, operatorId: "", reason: "", slot: "30", seats: "1",
});

const ruleWire = (r: Rule, kind: ResourceKind) => ({
  weekday: r.weekday, startTime: r.start, endTime: r.end, slotLength: durationOf(r.slot),
  seatsPerSlot: kind === ResourceKind.EVENT ? intOf(r.seats) : 0, operatorIds: r.operatorIds, validFrom: r.validFrom, validUntil: r.validUntil,
});
const excWire = (e: NewException) => ({
  kind: e.kind, startDate: e.startDate, endDate: e.endDate, startTime: e.startTime, endTime: e.endTime, yearly: e.yearly,
  operatorId: e.kind === ExceptionKind.OPERATOR_UNAVAILABLE ? e.operatorId : "", reason: e.reason,
  slotLength: e.kind === ExceptionKind.EXTRA_OPENING ? durationOf(e.slot) : undefined,
  seatsPerSlot: e.kind === ExceptionKind.EXTRA_OPENING ? intOf(e.seats) : 0,
});

/** excLabel describes an exception in one line. */
function excLabel(e: { kind: ExceptionKind; startDate: string; endDate: string; startTime: string; endTime: string; yearly: boolean; reason: string }): string {
  const k = excKinds.find(([x]) => x === e.kind)?.[1] ?? "exc.closure";
  const days = e.endDate && e.endDate !== e.startDate ? `${e.startDate} – ${e.endDate}` : e.startDate;
  const hours = e.startTime ? ` ${e.startTime}–${e.endTime}` : "";
  return `${s(k)}: ${days}${hours}${e.yearly ? ` (${s("exc.yearly")})` : ""}${e.reason ? ` · ${e.reason}` : ""}`;
}

export function SchedulePage({ id }: { id: string }) {
  const [res, setRes] = useState<GetResourceResponse | undefined>();
  const [loadErr, setLoadErr] = useState("");
  const [rules, setRules] = useState<Rule[]>([]);
  const [kept, setKept] = useState<(ScheduleException & { removed?: boolean })[]>([]);
  const [added, setAdded] = useState<NewException[]>([]);
  const [draft, setDraft] = useState<NewException>(newException());
  const [week, setWeek] = useState(() => mondayOf(isoDate(new Date())));
  const [preview, setPreview] = useState<{ key: string; days: Day[]; zone: string; stranded: Booking[] } | undefined>();
  const [fail, setFail] = useState<Failure>(noFailure);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<{ stranded: Booking[] } | undefined>();
  const [n, setN] = useState(0);

  useEffect(() => {
    Promise.all([catalog.getResource({ resourceId: id }), admin.getSchedule({ resourceId: id })])
      .then(([r, sch]) => {
        setRes(r);
        const rs = sch.schedule?.rules ?? [];
        setRules(rs.map((x) => ({
          weekday: x.weekday, start: x.startTime, end: x.endTime, slot: minutesText(x.slotLength), seats: String(x.seatsPerSlot),
          operatorIds: [...x.operatorIds], validFrom: x.validFrom, validUntil: x.validUntil,
        })));
        setKept(sch.schedule?.exceptions ?? []);
        setAdded([]);
      })
      .catch((e) => setLoadErr(problem(e).message));
  }, [id, n]);

  if (loadErr) return <Alert kind="danger">{loadErr}</Alert>;
  if (!res?.resource) return <Loading label={s("loading")} />;
  const r = res.resource;
  const zone = res.place?.timeZone || "Europe/Rome";
  const event = r.kind === ResourceKind.EVENT;
  const appointment = r.kind === ResourceKind.APPOINTMENT;
  const keptActive = kept.filter((e) => !e.removed);
  const proposal = {
    resourceId: id, rules: rules.map((x) => ruleWire(x, r.kind)),
    exceptions: [...keptActive, ...added.map(excWire)], fromDate: week, toDate: addDays(week, 6),
  };
  // What the preview on screen was computed from: saving needs a preview
  // of exactly what is saved.
  const key = JSON.stringify(proposal, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  const current = preview?.key === key;
  const changed = (f: () => void) => {
    f();
    setSaved(undefined);
  };
  const ruleErr = (i: number, field: string) => fail.fields[`rules[${i}].${field}`];
  const excErr = (i: number) => {
    const k = Object.keys(fail.fields).find((x) => x.startsWith(`exceptions[${i}].`));
    return k ? fail.fields[k] : undefined;
  };
  const shown = (p: string) => /^rules\[\d+\]\.(weekday|start_time|end_time|slot_length|seats_per_slot|operator_ids|valid_from|valid_until)$/.test(p) ||
    /^exceptions\[\d+\]\./.test(p) || p === "from_date" || p === "to_date";

  const runPreview = async () => {
    setFail(noFailure);
    setSaved(undefined);
    setBusy(true);
    try {
      const p = await admin.previewSchedule(proposal);
      setPreview({ key, days: p.grid?.days ?? [], zone: p.grid?.timeZone || zone, stranded: p.strandedBookings });
    } catch (e) {
      setPreview(undefined);
      setFail(failure(e, shown));
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    setFail(noFailure);
    setBusy(true);
    const stranded = new Map<string, Booking>();
    try {
      const set = await admin.setSchedule({ resourceId: id, rules: proposal.rules });
      set.strandedBookings.forEach((b) => stranded.set(b.id, b));
      for (const e of kept.filter((x) => x.removed)) await admin.deleteScheduleException({ resourceId: id, exceptionId: e.id });
      for (const e of added) {
        const a = await admin.addScheduleException({ resourceId: id, exception: excWire(e) });
        a.strandedBookings.forEach((b) => stranded.set(b.id, b));
      }
      setSaved({ stranded: [...stranded.values()] });
      setPreview(undefined);
      setN((x) => x + 1);
    } catch (e) {
      setFail(failure(e, () => false));
      setN((x) => x + 1); // what was saved before the refusal shows as saved
    } finally {
      setBusy(false);
    }
  };

  const addDraft = (e: Event) => {
    e.preventDefault();
    changed(() => {
      setAdded([...added, draft]);
      setDraft(newException());
    });
  };
  const d = draft;
  const setD = <K extends keyof NewException>(k: K) => (v: NewException[K]) => setDraft({ ...d, [k]: v });

  return (
    <>
      <Title>{s("sched.title", r.name)}</Title>
      <p>
        <a href="#/servizi">{s("tree.back")}</a> · <a href={`#/servizi/${id}`}>{s("sched.editResource")}</a>
      </p>
      <p class="lead">{s("sched.lead", zone)}</p>
      {fail.msg && <Alert kind="danger" id="schedule-error">{fail.msg}</Alert>}

      <section aria-labelledby="rules-title" class="mb-4 setup-form">
        <h2 class="h4" id="rules-title">{s("sched.rules")}</h2>
        {rules.length === 0 && <p class="text-muted">{s("sched.noRules")}</p>}
        {rules.map((x, i) => {
          const upd = (patch: Partial<Rule>) => changed(() => setRules(rules.map((y, j) => (j === i ? { ...y, ...patch } : y))));
          return (
            <fieldset class="border rounded p-3 mb-3 rule" key={i} id={`rule-${i}`}>
              <legend class="h6 float-none w-auto px-1">{s("sched.rule", i + 1)}</legend>
              <div class="row">
                <div class="col-md-3">
                  <Select id={`rule-${i}-weekday`} label={s("sched.weekday")} value={String(x.weekday)} error={ruleErr(i, "weekday")}
                    onChange={(v) => upd({ weekday: Number(v) as Weekday })}>
                    {weekdays.map(([w, k]) => (
                      <option value={w} key={w}>
                        {s(k)}
                      </option>
                    ))}
                  </Select>
                </div>
                <div class="col-md-3">
                  <Field id={`rule-${i}-start`} type="time" label={s("sched.start")} value={x.start} onInput={(v) => upd({ start: v })} error={ruleErr(i, "start_time")} />
                </div>
                <div class="col-md-3">
                  <Field id={`rule-${i}-end`} type="time" label={s("sched.end")} value={x.end} onInput={(v) => upd({ end: v })} error={ruleErr(i, "end_time")} />
                </div>
                <div class="col-md-3">
                  <Field id={`rule-${i}-slot`} label={s("sched.slot")} hint={s("minutes")} value={x.slot} onInput={(v) => upd({ slot: v })}
                    error={ruleErr(i, "slot_length")} inputMode="numeric" />
                </div>
                {event && (
                  <div class="col-md-3">
                    <Field id={`rule-${i}-seats`} label={s("sched.seats")} value={x.seats} onInput={(v) => upd({ seats: v })} error={ruleErr(i, "seats_per_slot")} inputMode="numeric" />
                  </div>
                )}
                <div class="col-md-3">
                  <Field id={`rule-${i}-from`} type="date" label={s("sched.validFrom")} value={x.validFrom} onInput={(v) => upd({ validFrom: v })} error={ruleErr(i, "valid_from")} />
                </div>
                <div class="col-md-3">
                  <Field id={`rule-${i}-until`} type="date" label={s("sched.validUntil")} value={x.validUntil} onInput={(v) => upd({ validUntil: v })} error={ruleErr(i, "valid_until")} />
                </div>
              </div>
              {appointment && r.operators.length > 0 && (
                <fieldset class="mb-2" aria-describedby={ruleErr(i, "operator_ids") ? `rule-${i}-ops-error` : undefined}>
                  <legend class="h6">{s("sched.operators")}</legend>
                  {r.operators.map((o) => (
                    <Check key={o.id} id={`rule-${i}-op-${o.id}`} label={o.displayName} checked={x.operatorIds.includes(o.id)}
                      onChange={(on) => upd({ operatorIds: on ? [...x.operatorIds, o.id] : x.operatorIds.filter((y) => y !== o.id) })} />
                  ))}
                  {ruleErr(i, "operator_ids") && (
                    <div id={`rule-${i}-ops-error`} class="invalid-feedback d-block" role="alert">
                      {ruleErr(i, "operator_ids")}
                    </div>
                  )}
                </fieldset>
              )}
              <button type="button" class="btn btn-sm btn-outline-danger" onClick={() => changed(() => setRules(rules.filter((_, j) => j !== i)))}>
                {s("sched.removeRule", i + 1)}
              </button>
            </fieldset>
          );
        })}
        <button type="button" class="btn btn-outline-primary" id="rule-add" onClick={() => changed(() => setRules([...rules, newRule()]))}>
          {s("sched.addRule")}
        </button>
      </section>

      <section aria-labelledby="exc-title" class="mb-4">
        <h2 class="h4" id="exc-title">{s("sched.exceptions")}</h2>
        <ul class="list-group mb-3" id="exceptions">
          {kept.map((e) => {
            const i = keptActive.indexOf(e);
            return (
              <li class={"list-group-item d-flex flex-wrap gap-2 align-items-center" + (e.removed ? " text-decoration-line-through text-muted" : "")} key={e.id}>
                <span>{excLabel(e)}</span>
                {e.removed && <span class="visually-hidden">({s("sched.toRemove")})</span>}
                <button type="button" class="btn btn-sm btn-outline-secondary ms-auto" aria-pressed={!!e.removed}
                  onClick={() => changed(() => setKept(kept.map((y) => (y === e ? { ...y, removed: !y.removed } : y))))}>
                  {s("sched.removeException")}
                  <span class="visually-hidden"> {excLabel(e)}</span>
                </button>
                {i >= 0 && excErr(i) && <div class="invalid-feedback d-block w-100" role="alert">{excErr(i)}</div>}
              </li>
            );
          })}
          {added.map((e, j) => {
            const i = keptActive.length + j;
            return (
              <li class="list-group-item d-flex flex-wrap gap-2 align-items-center" key={`new-${j}`} data-new-exception={j}>
                <span>
                  <span class="badge bg-primary me-2">{s("sched.new")}</span>
                  {excLabel(e)}
                </span>
                <button type="button" class="btn btn-sm btn-outline-danger ms-auto" onClick={() => changed(() => setAdded(added.filter((_, k) => k !== j)))}>
                  {s("remove")}
                  <span class="visually-hidden"> {excLabel(e)}</span>
                </button>
                {excErr(i) && <div class="invalid-feedback d-block w-100" role="alert" id={`exc-new-${j}-error`}>{excErr(i)}</div>}
              </li>
            );
          })}
        </ul>
        {kept.length === 0 && added.length === 0 && <p class="text-muted">{s("sched.noExceptions")}</p>}
        <form class="border rounded p-3 setup-form" onSubmit={addDraft} noValidate id="exception-form" aria-labelledby="exc-new-title">
          <h3 class="h6" id="exc-new-title">{s("sched.addException")}</h3>
          <div class="row">
            <div class="col-md-4">
              <Select id="exc-kind" label={s("exc.kind")} value={String(d.kind)} onChange={(v) => setD("kind")(Number(v) as ExceptionKind)}>
                {excKinds.filter(([k]) => appointment || k !== ExceptionKind.OPERATOR_UNAVAILABLE).map(([k, l]) => (
                  <option value={k} key={k}>
                    {s(l)}
                  </option>
                ))}
              </Select>
            </div>
            <div class="col-md-4">
              <Field id="exc-start-date" type="date" label={s("exc.startDate")} value={d.startDate} onInput={setD("startDate")} required />
            </div>
            <div class="col-md-4">
              <Field id="exc-end-date" type="date" label={s("exc.endDate")} hint={s("exc.endDateHint")} value={d.endDate} onInput={setD("endDate")} />
            </div>
            <div class="col-md-4">
              <Field id="exc-start-time" type="time" label={s("exc.startTime")} hint={s("exc.timeHint")} value={d.startTime} onInput={setD("startTime")} />
            </div>
            <div class="col-md-4">
              <Field id="exc-end-time" type="time" label={s("exc.endTime")} value={d.endTime} onInput={setD("endTime")} />
            </div>
            {d.kind === ExceptionKind.OPERATOR_UNAVAILABLE && (
              <div class="col-md-4">
                <Select id="exc-operator" label={s("exc.operator")} value={d.operatorId} onChange={setD("operatorId")}>
                  <option value="">—</option>
                  {r.operators.map((o) => (
                    <option value={o.id} key={o.id}>
                      {o.displayName}
                    </option>
                  ))}
                </Select>
              </div>
            )}
            {d.kind === ExceptionKind.EXTRA_OPENING && (
              <>
                <div class="col-md-4">
                  <Field id="exc-slot" label={s("sched.slot")} hint={s("minutes")} value={d.slot} onInput={setD("slot")} inputMode="numeric" />
                </div>
                {event && (
                  <div class="col-md-4">
                    <Field id="exc-seats" label={s("sched.seats")} value={d.seats} onInput={setD("seats")} inputMode="numeric" />
                  </div>
                )}
              </>
            )}
          </div>
          <Field id="exc-reason" label={s("exc.reason")} hint={s("exc.reasonHint")} value={d.reason} onInput={setD("reason")} />
          <Check id="exc-yearly" label={s("exc.yearly")} checked={d.yearly} onChange={setD("yearly")} />
          <button type="submit" class="btn btn-outline-primary" id="exc-add">
            {s("sched.addToProposal")}
          </button>
        </form>
      </section>

      <section aria-labelledby="preview-title" class="mb-4">
        <h2 class="h4" id="preview-title">{s("sched.preview")}</h2>
        <p>{s("sched.previewLead")}</p>
        <div class="d-flex flex-wrap align-items-end gap-2 mb-3">
          <button type="button" class="btn btn-outline-primary btn-sm" id="preview-prev" onClick={() => setWeek(addDays(week, -7))}>
            {s("sched.prevWeek")}
          </button>
          <div>
            <label for="preview-week" class="form-label small mb-0">{s("sched.weekOf")}</label>
            <input id="preview-week" type="date" class="form-control form-control-sm" value={week}
              onInput={(e) => {
                const v = (e.currentTarget as HTMLInputElement).value;
                if (v) setWeek(mondayOf(v));
              }} />
          </div>
          <button type="button" class="btn btn-outline-primary btn-sm" id="preview-next" onClick={() => setWeek(addDays(week, 7))}>
            {s("sched.nextWeek")}
          </button>
          <button type="button" class="btn btn-primary" id="preview-run" disabled={busy} onClick={() => void runPreview()}>
            {s("sched.runPreview")}
          </button>
        </div>
        <div aria-live="polite">
          {preview && !current && <Alert kind="warning">{s("sched.stale")}</Alert>}
          {preview && (
            <div id="preview-grid" data-current={current ? "true" : "false"}>
              <h3 class="h5">{s("sched.weekRange", dayHeading(week), dayHeading(addDays(week, 6)))}</h3>
              <div class="row row-cols-1 row-cols-md-2 row-cols-xl-4 g-2">
                {preview.days.map((day) => (
                  <section class="col" key={day.date} aria-labelledby={`pv-${day.date}`} data-date={day.date}
                    data-closed={day.closedReason || (day.slots.length === 0 ? "-" : "")}>
                    <div class="border rounded p-2 h-100">
                      <h4 class="h6" id={`pv-${day.date}`}>{dayHeading(day.date)}</h4>
                      {day.closedReason && <p class="small mb-1 fw-semibold">{s("sched.closedFor", day.closedReason)}</p>}
                      {!day.closedReason && day.slots.length === 0 && <p class="small text-muted mb-1">{s("sched.closedDay")}</p>}
                      {day.slots.length > 0 && (
                        <ul class="list-unstyled small mb-0">
                          {day.slots.map((sl) => (
                            <li key={sl.localStart} data-start={sl.localStart} data-state={SlotState[sl.state]}>
                              {sl.localStart}–{sl.localEnd} · {s(stateKeys[sl.state] ?? "state.closed")}
                              {sl.seatsTotal > 0 && ` · ${s("sched.seatsLeft", sl.seatsLeft, sl.seatsTotal)}`}
                            </li>
                          ))}
                        </ul>
                      )}
                    </div>
                  </section>
                ))}
              </div>
              <Stranded list={preview.stranded} zone={preview.zone} id="preview-stranded" title={preview.stranded.length ? s("sched.wouldStrand", preview.stranded.length) : s("sched.strandsNone")} />
            </div>
          )}
        </div>
      </section>

      <div class="d-flex flex-wrap gap-2 align-items-center">
        <button type="button" class="btn btn-primary" id="schedule-save" disabled={busy || !current} aria-describedby="save-hint" onClick={() => void save()}>
          {s("sched.save")}
        </button>
        <span id="save-hint" class="small">{current ? s("sched.saveReady") : s("sched.saveNeedsPreview")}</span>
      </div>
      <div role="status" aria-live="polite" class="mt-3">
        {saved && (
          <div id="schedule-saved">
            <Alert kind="success">{s("sched.saved")}</Alert>
            <Stranded list={saved.stranded} zone={zone} id="saved-stranded" title={saved.stranded.length ? s("sched.stranded", saved.stranded.length) : s("sched.strandsNone")} />
          </div>
        )}
      </div>
    </>
  );
}

/** Stranded lists bookings left outside the opening hours, with the
 * contacts to call: they are kept, not cancelled. */
function Stranded({ list, zone, id, title }: { list: Booking[]; zone: string; id: string; title: string }) {
  return (
    <section aria-labelledby={`${id}-title`} class="mt-3" id={id}>
      <h3 class="h6" id={`${id}-title`}>{title}</h3>
      {list.length > 0 && (
        <ul class="list-group">
          {list.map((b) => {
            const w = b.beneficiary;
            return (
              <li class="list-group-item" key={b.id} data-code={b.code}>
                <strong>{dateTime(toDate(b.span?.start)!, zone)}</strong> · {b.code} · {w?.givenName} {w?.familyName}
                <div class="small">
                  {w?.phone && <a href={`tel:${w.phone}`}>{w.phone}</a>} {w?.email && <a href={`mailto:${w.email}`}>{w.email}</a>}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
