// The week grid: every slot state the API has, previous/next week, operator
// choice (or "any"), seats for a group, one or more consecutive slots.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, problem } from "../shared/api";
import type { Day, Resource, Slot } from "../gen/varco/v1/catalog_pb";
import { SlotState } from "../gen/varco/v1/catalog_pb";
import { addDays, dayHeading, isoDate, mondayOf, toDate } from "../shared/format";
import { t } from "./messages";
import { Alert, Loading } from "../shared/ui";

export interface Choice {
  slot: Slot;
  /** consecutive slots from slot (1 or more) */
  count: number;
  seats: number;
  operatorId: string;
}

interface Props {
  resource: Resource;
  zone: string;
  onChoose: (c: Choice) => void;
  busy?: boolean;
  /** a label for the confirm button */
  action: string;
  /** when given, a full slot can be chosen and this renders its panel (the
   * waiting list of events) in place of the confirm button */
  waitlist?: (slot: Slot, seats: number) => ComponentChildren;
}

const stateText = (s: Slot): string => {
  switch (s.state) {
    case SlotState.PAST:
      return t("slot.past");
    case SlotState.CLOSED:
      return t("slot.closed");
    case SlotState.NOT_YET_BOOKABLE:
      return t("slot.notYet");
    case SlotState.BOOKING_CLOSED:
      return t("slot.bookingClosed");
    case SlotState.AVAILABLE:
      return s.seatsTotal > 1 ? t("slot.seatsLeft", s.seatsLeft) : t("slot.available");
    case SlotState.FULL:
      return t("slot.full");
    case SlotState.HELD:
      return t("slot.held");
  }
  return "";
};

export function WeekGrid({ resource, zone, onChoose, busy, action, waitlist }: Props) {
  const [week, setWeek] = useState(() => mondayOf(isoDate(new Date(), zone)));
  const [operator, setOperator] = useState("");
  const [seats, setSeats] = useState(1);
  const [count, setCount] = useState(1);
  // The days are kept with the week they belong to, so a page never shows
  // one week's slots under another week's heading while loading.
  const [loaded, setLoaded] = useState<{ week: string; days: Day[] } | null>(null);
  const days = loaded?.week === week ? loaded.days : null;
  const [err, setErr] = useState("");
  const [chosen, setChosen] = useState<{ day: number; slot: number } | null>(null);
  const maxSeats = Math.max(1, resource.policy?.maxSeatsPerBooking ?? 1);
  const maxCount = Math.max(1, resource.policy?.maxConsecutiveSlots ?? 1);

  useEffect(() => {
    let live = true;
    setLoaded(null);
    setChosen(null);
    setErr("");
    api.catalog
      .getAvailability({ resourceId: resource.id, fromDate: week, toDate: addDays(week, 6), operatorId: operator, seats })
      .then((r) => live && setLoaded({ week, days: r.days }))
      .catch((e) => live && setErr(problem(e).message));
    return () => {
      live = false;
    };
  }, [resource.id, week, operator, seats]);

  // A run of count slots is bookable when each is available and they touch.
  const runOK = (d: Day, i: number): boolean => {
    for (let k = 0; k < count; k++) {
      const s = d.slots[i + k];
      if (!s || s.state !== SlotState.AVAILABLE) return false;
      if (k > 0 && toDate(d.slots[i + k - 1].end)!.getTime() !== toDate(s.start)!.getTime()) return false;
    }
    return true;
  };

  const weekLabel = `${dayHeading(week)} – ${dayHeading(addDays(week, 6))}`;
  // Days already gone are not worth a citizen's scroll; today's past slots
  // still show as past.
  const today = isoDate(new Date(), zone);
  const shown = days?.filter((d) => d.date >= today);
  const firstWeek = week <= mondayOf(today);
  const chosenSlot = chosen && shown ? shown[chosen.day]?.slots[chosen.slot] : undefined;
  return (
    <div data-grid-week={week} data-loaded-week={days ? week : ""} aria-busy={days ? "false" : "true"}>
      <div class="row g-3 mb-3">
        {resource.operatorChoice && resource.operators.length > 0 && (
          <div class="col-12 col-md-4">
            <div class="select-wrapper">
              <label for="operator">{t("grid.operator")}</label>
              <select id="operator" value={operator} onChange={(e) => setOperator((e.currentTarget as HTMLSelectElement).value)}>
                <option value="">{t("grid.anyOperator")}</option>
                {resource.operators.map((o) => (
                  <option value={o.id} key={o.id}>
                    {o.displayName}
                  </option>
                ))}
              </select>
            </div>
          </div>
        )}
        {maxSeats > 1 && (
          <div class="col-6 col-md-4">
            <label for="seats" class="active">
              {t("grid.seats")}
            </label>
            <input id="seats" class="form-control" type="number" min={1} max={maxSeats} value={seats}
              onChange={(e) => setSeats(Math.min(maxSeats, Math.max(1, Number((e.currentTarget as HTMLInputElement).value) || 1)))} />
          </div>
        )}
        {maxCount > 1 && (
          <div class="col-6 col-md-4">
            <label for="count" class="active">
              {t("grid.count")}
            </label>
            <input id="count" class="form-control" type="number" min={1} max={maxCount} value={count}
              onChange={(e) => setCount(Math.min(maxCount, Math.max(1, Number((e.currentTarget as HTMLInputElement).value) || 1)))} />
          </div>
        )}
      </div>
      <div class="d-flex align-items-center justify-content-between mb-3 gap-2">
        <button type="button" class="btn btn-outline-primary btn-sm" disabled={firstWeek} onClick={() => setWeek(addDays(week, -7))} id="prev-week">
          {t("grid.prev")}
        </button>
        <h3 class="h6 mb-0 text-center" aria-live="polite">
          {weekLabel}
        </h3>
        <button type="button" class="btn btn-outline-primary btn-sm" onClick={() => setWeek(addDays(week, 7))} id="next-week">
          {t("grid.next")}
        </button>
      </div>
      {err && <Alert kind="danger">{err}</Alert>}
      {!days && !err && <Loading label={t("loading")} />}
      {shown?.map((d, di) => (
        <section class="mb-3" key={d.date} aria-labelledby={`day-${d.date}`}>
          <h4 class="h6 text-capitalize border-bottom pb-1" id={`day-${d.date}`}>
            {dayHeading(d.date)}
          </h4>
          {d.closedReason && <p class="small text-muted mb-1">{t("grid.closedDay", d.closedReason)}</p>}
          {!d.closedReason && d.slots.length === 0 && <p class="small text-muted mb-1">{t("grid.noSlots")}</p>}
          <ul class="list-unstyled d-flex flex-wrap gap-2 mb-0 slot-list">
            {d.slots.map((s, si) => {
              const ok = runOK(d, si);
              const full = !!waitlist && s.state === SlotState.FULL;
              const sel = chosen?.day === di && (full ? si === chosen.slot : si >= chosen.slot && si < chosen.slot + count);
              return (
                <li key={s.localStart}>
                  <button
                    type="button"
                    class={"btn btn-sm slot " + (sel ? "btn-primary" : ok ? "btn-outline-primary" : "btn-outline-secondary slot-off")}
                    disabled={!ok && !full}
                    aria-pressed={sel ? "true" : "false"}
                    data-state={SlotState[s.state]}
                    data-start={s.localStart}
                    onClick={() => setChosen({ day: di, slot: si })}
                  >
                    <span class="d-block fw-semibold">
                      {s.localStart}
                      <span class="visually-hidden">–{s.localEnd},</span>
                    </span>
                    <span class="d-block slot-state">{full ? t("wl.slotHint") : stateText(s)}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      ))}
      <div class="mt-4 sticky-action">
        {chosen && shown && (
          <p class="mb-2" role="status" id="chosen-slot">
            {t("grid.chosen", dayHeading(shown[chosen.day].date), shown[chosen.day].slots[chosen.slot].localStart)}
          </p>
        )}
        {chosenSlot && waitlist && chosenSlot.state === SlotState.FULL ? waitlist(chosenSlot, seats) : <button
          type="button"
          class="btn btn-primary w-100"
          id="choose-slot"
          disabled={!chosen || busy}
          onClick={() => chosen && shown && onChoose({ slot: shown[chosen.day].slots[chosen.slot], count, seats, operatorId: operator })}
        >
          {action}
        </button>}
      </div>
    </div>
  );
}
