// Who decides the scans of the screen: the phone itself (GateService with
// its own credential, offline decisions in the browser: phoneBackend) or a
// gate box's scanner program that serves this app on its --http page and
// decides with its own online/offline logic (localmode.ts). The scanning
// screen only talks to a Backend.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ScanDirection } from "../gen/varco/v1/gate_pb";
import { gate } from "./device";
import { loadQueue, loadState, onLocalChange } from "./offline/local";
import { decide, type Shown } from "./scan";
import { isConnected, startSync } from "./sync";

/** GateStatus is what the status line shows. */
export interface GateStatus {
  online: boolean;
  /** Unix ms of the last data from the server */
  lastSync?: number;
  queued: number;
  /** the server's clock minus the deciding device's, ms */
  clockOffsetMs?: number;
  /** offline scans are refused now (DATA_TOO_OLD) */
  dataTooOld: boolean;
  /** public keys known (the phone; undefined for a gate box) */
  keys?: number;
}

/** OccupancyRow is one slot of today's attendance. */
export interface OccupancyRow {
  resourceId: string;
  slotStart?: Date;
  inside: number;
  booked: number;
  entries: number;
  exits: number;
  overstays: number;
}

export interface Backend {
  decide(payload: string, direction: ScanDirection): Promise<Shown>;
  /** start keeps the data in step while the screen is open; returns stop */
  start(): () => void;
  status(): GateStatus;
  /** onChange calls f when status() may have changed */
  onChange(f: () => void): () => void;
  /** watchOccupancy reports today's attendance (undefined rows: none yet)
   * and whether it is live, until the returned stop */
  watchOccupancy(each: (rows: OccupancyRow[] | undefined, live: boolean) => void): () => void;
}

/** phoneBackend: the phone is the gate device. */
export const phoneBackend: Backend = {
  decide,
  start: startSync,
  status() {
    const st = loadState();
    const offset = st.clockOffsetMs ?? 0;
    const tooOld = !!st.maxDataAgeMs && Date.now() + offset - ((st.lastSync ?? 0) + offset) > st.maxDataAgeMs;
    return { online: isConnected(), lastSync: st.lastSync, queued: loadQueue().length, clockOffsetMs: st.clockOffsetMs, dataTooOld: tooOld, keys: st.keys.length };
  },
  onChange: onLocalChange,
  watchOccupancy(each) {
    const ac = new AbortController();
    void (async () => {
      let backoff = 1000;
      while (!ac.signal.aborted) {
        try {
          for await (const m of gate.watchOccupancy({}, { signal: ac.signal })) {
            each(
              m.occupancy.map((o) => ({ resourceId: o.resourceId, slotStart: o.slotStart ? timestampDate(o.slotStart) : undefined,
                inside: o.inside, booked: o.booked, entries: o.entries, exits: o.exits, overstays: o.overstays })),
              true,
            );
            backoff = 1000;
          }
        } catch {
          /* cut off: try again below */
        }
        if (ac.signal.aborted) return;
        each(undefined, false);
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 30000);
      }
    })();
    return () => ac.abort();
  },
};
