// Live attendance of today's slots: GateService.WatchOccupancy (server
// streaming over fetch, reconnected with backoff) on a phone, the box's
// last copy of it in local mode (backend.ts).
import { useEffect, useState } from "preact/hooks";
import { time } from "../shared/format";
import type { Backend, OccupancyRow } from "./backend";
import { t } from "./messages";

export function OccupancyPanel({ zone, backend }: { zone: string; backend: Backend }) {
  const [rows, setRows] = useState<OccupancyRow[] | undefined>();
  const [connected, setConnected] = useState(false);
  useEffect(
    () =>
      backend.watchOccupancy((r, live) => {
        if (r) setRows(r);
        setConnected(live);
      }),
    [],
  );

  return (
    <section aria-labelledby="occupancy-title" class="mt-4" id="occupancy">
      <h2 id="occupancy-title" class="h5">
        {t("occupancy.title")}
      </h2>
      {!connected && (
        <p class="text-muted small" role="status">
          {t("occupancy.offline")}
        </p>
      )}
      {rows && rows.length === 0 && <p>{t("occupancy.none")}</p>}
      {rows && rows.length > 0 && (
        <div class="table-responsive">
          <table class="table table-sm">
            <thead>
              <tr>
                <th scope="col">{t("occupancy.slot")}</th>
                <th scope="col">{t("occupancy.inside")}</th>
                <th scope="col">{t("occupancy.booked")}</th>
                <th scope="col">{t("occupancy.entries")}</th>
                <th scope="col">{t("occupancy.exits")}</th>
                <th scope="col">{t("occupancy.overstays")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((o) => (
                <tr key={o.resourceId + String(o.slotStart?.getTime())} data-resource={o.resourceId}>
                  <th scope="row">{o.slotStart ? time(o.slotStart, zone) : ""}</th>
                  <td class="occ-inside fw-bold">{o.inside}</td>
                  <td>{o.booked}</td>
                  <td>{o.entries}</td>
                  <td>{o.exits}</td>
                  <td>{o.overstays}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
