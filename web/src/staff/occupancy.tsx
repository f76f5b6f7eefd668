// The live occupancy of an event while it runs: today's slots of one event
// with the people inside, entries, exits and those past their maximum
// stay, streamed by GateService.WatchOccupancy (a server stream over
// fetch, the same the gate app uses). The stream reconnects with backoff.
import { useEffect, useState } from "preact/hooks";
import type { StaffRole } from "../gen/varco/v1/auth_pb";
import { ResourceKind } from "../gen/varco/v1/catalog_pb";
import type { Occupancy } from "../gen/varco/v1/gate_pb";
import { problem } from "../shared/api";
import { dateTime, time, toDate } from "../shared/format";
import { Alert, Loading, Title } from "../shared/ui";
import { gate } from "./api";
import { num } from "./charts";
import { t } from "./messages";
import { useResources } from "./resources";

export function OccupancyPage({ org, role }: { org: string; role: StaffRole }) {
  const events = useResources(org, role).filter((r) => r.kind === ResourceKind.EVENT && r.active);
  const [chosen, setChosen] = useState("");
  const resource = chosen || events[0]?.id || "";
  const [rows, setRows] = useState<Occupancy[] | undefined>();
  const [at, setAt] = useState<Date | undefined>();
  const [connected, setConnected] = useState(false);
  const [err, setErr] = useState("");

  useEffect(() => {
    if (!resource) return;
    setRows(undefined);
    setErr("");
    const ac = new AbortController();
    void (async () => {
      let backoff = 1000;
      while (!ac.signal.aborted) {
        try {
          for await (const m of gate.watchOccupancy({ resourceIds: [resource] }, { signal: ac.signal })) {
            setRows(m.occupancy.filter((o) => o.resourceId === resource));
            setAt(toDate(m.at));
            setConnected(true);
            setErr("");
            backoff = 1000;
          }
        } catch (e) {
          if (ac.signal.aborted) return;
          const p = problem(e);
          // A refusal (not allowed, no such event) will not change by
          // retrying: say why and stop.
          if (!p.network) {
            setErr(p.message);
            setConnected(false);
            return;
          }
        }
        if (ac.signal.aborted) return;
        setConnected(false);
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 30000);
      }
    })();
    return () => ac.abort();
  }, [resource]);

  const names = new Map(events.map((r) => [r.id, r]));
  const zone = "Europe/Rome";
  const inside = (rows ?? []).reduce((n, o) => n + o.inside, 0);
  const over = (rows ?? []).reduce((n, o) => n + o.overstays, 0);
  return (
    <>
      <Title>{t("occ.title")}</Title>
      <p>{t("occ.lead")}</p>
      {events.length === 0 && <p class="text-muted">{t("occ.noEvents")}</p>}
      {events.length > 0 && (
        <div class="col-md-6 mb-3">
          <label for="occ-event" class="form-label">
            {t("occ.event")}
          </label>
          <select id="occ-event" class="form-select" value={resource} onChange={(e) => setChosen((e.currentTarget as HTMLSelectElement).value)}>
            {events.map((r) => (
              <option value={r.id} key={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {err && <Alert kind="danger">{err}</Alert>}
      {resource && !err && (
        <p class="small" role="status" id="occ-state">
          {connected ? t("occ.live", at ? dateTime(at, zone) : "—") : t("occ.connecting")}
        </p>
      )}
      {resource && !err && !rows && <Loading label={t("loading")} />}
      {rows && (
        <>
          <div class="d-flex flex-wrap gap-4 mb-3" id="occ-summary">
            <div class="callout m-0 p-3">
              <p class="mb-0 small">{t("occ.insideNow")}</p>
              <p class="occ-big mb-0" id="occ-inside" data-n={inside}>
                {num(inside)}
              </p>
            </div>
            <div class={"callout m-0 p-3" + (over > 0 ? " occ-over" : "")}>
              <p class="mb-0 small">{t("occ.overstays")}</p>
              <p class="occ-big mb-0" id="occ-overstays" data-n={over}>
                {num(over)}
              </p>
            </div>
          </div>
          {rows.length === 0 ? (
            <p class="text-muted" id="occ-none">
              {t("occ.none")}
            </p>
          ) : (
            <div class="table-responsive" tabIndex={0} role="region" aria-label={t("occ.title")}>
              <table class="table" id="occ-table">
                <caption>{t("occ.caption", names.get(resource)?.name ?? "")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("occ.slot")}</th>
                    <th scope="col">{t("occ.inside")}</th>
                    <th scope="col">{t("occ.booked")}</th>
                    <th scope="col">{t("stats.entries")}</th>
                    <th scope="col">{t("chart.exits")}</th>
                    <th scope="col">{t("occ.overstays")}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((o) => {
                    const start = toDate(o.slotStart);
                    return (
                      <tr key={String(start?.getTime())} data-slot={start?.toISOString()} data-inside={o.inside} data-entries={o.entries}
                        data-exits={o.exits} data-overstays={o.overstays}>
                        <th scope="row">{start ? time(start, zone) : "—"}</th>
                        <td>{num(o.inside)}</td>
                        <td>{num(o.booked)}</td>
                        <td>{num(o.entries)}</td>
                        <td>{num(o.exits)}</td>
                        <td class={o.overstays > 0 ? "text-danger fw-semibold" : undefined}>
                          {num(o.overstays)}
                          {o.overstays > 0 && <span class="visually-hidden"> {t("occ.overstaysHint")}</span>}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </>
  );
}
