// Live attendance of today's slots, streamed by GateService.WatchOccupancy
// (server streaming over fetch); reconnects with backoff when cut off.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import type { Occupancy } from "../gen/varco/v1/gate_pb";
import { time } from "../shared/format";
import { gate } from "./device";
import { t } from "./messages";

export function OccupancyPanel({ zone }: { zone: string }) {
  const [rows, setRows] = useState<Occupancy[] | undefined>();
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const ac = new AbortController();
    void (async () => {
      let backoff = 1000;
      while (!ac.signal.aborted) {
        try {
          for await (const m of gate.watchOccupancy({}, { signal: ac.signal })) {
            setRows(m.occupancy);
            setConnected(true);
            backoff = 1000;
          }
        } catch {
          /* cut off: try again below */
        }
        if (ac.signal.aborted) return;
        setConnected(false);
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 30000);
      }
    })();
    return () => ac.abort();
  }, []);

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
                <tr key={o.resourceId + String(o.slotStart?.seconds)} data-resource={o.resourceId}>
                  <th scope="row">{o.slotStart ? time(timestampDate(o.slotStart), zone) : ""}</th>
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
