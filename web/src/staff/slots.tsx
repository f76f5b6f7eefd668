// The week of a service as the desk sees it: every slot with its state,
// the free ones as buttons. Moving a booking and booking at the counter
// both pick a slot here. Smaller than the citizen app's grid on purpose:
// one slot, one seat, any operator (the server assigns one).
import { useEffect, useState } from "preact/hooks";
import { problem } from "../shared/api";
import type { Day, Slot } from "../gen/varco/v1/catalog_pb";
import { SlotState } from "../gen/varco/v1/catalog_pb";
import { addDays, dayHeading, isoDate, mondayOf, time, toDate } from "../shared/format";
import { Alert, Loading } from "../shared/ui";
import { catalog } from "./api";
import { t } from "./messages";

interface Props {
  resourceId: string;
  /** the local date whose week is shown first */
  day: string;
  chosen?: Slot;
  /** several slots chosen at once (proposing other dates) */
  chosenAll?: Slot[];
  onChoose: (s: Slot, zone: string) => void;
}

export function SlotPicker({ resourceId, day, chosen, chosenAll, onChoose }: Props) {
  const [week, setWeek] = useState(() => mondayOf(day));
  const [days, setDays] = useState<Day[] | undefined>();
  const [zone, setZone] = useState("");
  const [err, setErr] = useState("");
  useEffect(() => {
    let live = true;
    setDays(undefined);
    setErr("");
    catalog
      .getAvailability({ resourceId, fromDate: week, toDate: addDays(week, 6) })
      .then((r) => {
        if (!live) return;
        setZone(r.timeZone);
        setDays(r.days);
      })
      .catch((e) => live && setErr(problem(e).message));
    return () => {
      live = false;
    };
  }, [resourceId, week]);
  const chosenAt = toDate(chosen?.start)?.getTime();
  // Days already gone are only scrolling at the desk.
  const today = isoDate(new Date(), zone || undefined);
  return (
    <div class="slot-picker">
      <div class="d-flex align-items-center justify-content-between mb-3 gap-2">
        <button type="button" class="btn btn-outline-primary btn-sm" id="slots-prev" disabled={week <= mondayOf(today)} onClick={() => setWeek(addDays(week, -7))}>
          {t("agenda.prevWeek")}
        </button>
        <h3 class="h6 mb-0 text-center" aria-live="polite">
          {dayHeading(week)} – {dayHeading(addDays(week, 6))}
        </h3>
        <button type="button" class="btn btn-outline-primary btn-sm" id="slots-next" onClick={() => setWeek(addDays(week, 7))}>
          {t("agenda.nextWeek")}
        </button>
      </div>
      {err && <Alert kind="danger">{err}</Alert>}
      {!days && !err && <Loading label={t("loading")} />}
      {days?.filter((d) => d.date >= today).map((d) => (
        <section class="mb-3" key={d.date} aria-labelledby={`slots-${d.date}`}>
          <h4 class="h6 border-bottom pb-1" id={`slots-${d.date}`}>
            {dayHeading(d.date)}
          </h4>
          {d.closedReason && <p class="small text-muted mb-1">{t("slots.closed", d.closedReason)}</p>}
          {!d.closedReason && d.slots.length === 0 && <p class="small text-muted mb-1">{t("slots.none")}</p>}
          <ul class="list-unstyled d-flex flex-wrap gap-2 mb-0">
            {d.slots.map((s) => {
              const at = toDate(s.start)!;
              const free = s.state === SlotState.AVAILABLE;
              const sel = chosenAt === at.getTime() || !!chosenAll?.some((c) => toDate(c.start)?.getTime() === at.getTime());
              return (
                <li key={at.getTime()}>
                  <button type="button" class={"btn btn-sm " + (sel ? "btn-primary" : free ? "btn-outline-primary" : "btn-outline-secondary")}
                    disabled={!free} aria-pressed={free ? sel : undefined} data-start={at.toISOString()} onClick={() => onChoose(s, zone)}>
                    {time(at, zone || undefined)}
                    <span class="visually-hidden"> {dayHeading(d.date)}</span>
                    {!free && <span class="visually-hidden"> ({t("slots.taken")})</span>}
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      ))}
    </div>
  );
}
