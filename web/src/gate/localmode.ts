// Local mode: this app served by a gate box's `scanner run --http`
// (which marks index.html with <meta name="varco-gate-mode"
// content="local">). The box is the enrolled device and decides every
// scan with its own online/offline logic; the page sends what it reads to
// the box (POST /scan) and shows the box's state (GET /status): no
// enrollment, no credential, no offline decision in the browser. Off
// loopback the box asks for a pairing code, kept on the phone.
import { GateDirection } from "../gen/varco/v1/auth_pb";
import { ScanDirection } from "../gen/varco/v1/gate_pb";
import { currentLang } from "../shared/i18n";
import type { Backend, GateStatus } from "./backend";
import type { Device } from "./device";
import { newScanId } from "./device";
import type { Shown, Tone } from "./scan";

const pairKey = "varco.gate.pair";

/** isLocalMode: the page was served by a gate box's scanner. */
export function isLocalMode(): boolean {
  return document.querySelector('meta[name="varco-gate-mode"]')?.getAttribute("content") === "local";
}

/** takePairingFromURL keeps a pairing code given in the link the box
 * printed (#/?pair=…) and takes it out of the address bar. */
export function takePairingFromURL() {
  const code = new URLSearchParams(location.hash.replace(/^#\/?\??/, "")).get("pair");
  if (!code) return;
  setPairing(code);
  history.replaceState(null, "", location.pathname + location.search + "#/");
}

export function setPairing(code: string) {
  localStorage.setItem(pairKey, code.trim());
}

/** Unpaired: the box wants a (new) pairing code. */
export class Unpaired extends Error {}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("Accept-Language", currentLang());
  const code = localStorage.getItem(pairKey);
  if (code) headers.set("Authorization", `Bearer ${code}`);
  const res = await fetch(path, { ...init, headers, credentials: "omit", cache: "no-store" });
  if (res.status === 401) throw new Unpaired();
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return res;
}

/** BoxStatus is the box's GET /status (internal/scanner StatusJSON). */
export interface BoxStatus {
  gate: { device_id: string; name: string; resource_ids: string[]; direction: "both" | "entry" | "exit"; time_zone: string; max_inside?: Record<string, number> };
  online: boolean;
  last_sync?: string;
  clock_offset_ms: number;
  data_too_old: boolean;
  queued: number;
  inside: Record<string, number>;
  occupancy?: {
    at: string;
    connected: boolean;
    slots: { resource_id: string; slot_start: string; inside: number; booked: number; entries: number; exits: number; overstays: number }[];
  };
}

export async function fetchStatus(): Promise<BoxStatus> {
  return (await (await call("/status")).json()) as BoxStatus;
}

/** deviceOf is the box's gate as the screen wants it. */
export function deviceOf(s: BoxStatus): Device {
  const direction = s.gate.direction === "entry" ? GateDirection.ENTRY : s.gate.direction === "exit" ? GateDirection.EXIT : GateDirection.BOTH;
  return { credential: "", deviceId: s.gate.device_id, name: s.gate.name, resourceIds: s.gate.resource_ids, direction, timeZone: s.gate.time_zone || "Europe/Rome" };
}

interface ScanJSON {
  ok: boolean;
  verdict: "ACCEPTED" | "REFUSED" | "FLAGGED";
  reason: string;
  message: string;
  ticket_id?: string;
  seats?: number;
  time_left_seconds?: number;
  expires_at?: string;
  entered_at?: string;
  online: boolean;
  queued?: boolean;
  scan_id: string;
  scanned_at?: string;
}

const tones: Record<string, Tone> = { ACCEPTED: "accepted", FLAGGED: "flagged", REFUSED: "refused" };

/** How often the screen asks the box for its state. */
const pollMs = 2000;

/** localBackend talks to the box; onUnpaired is called when it asks for a
 * pairing code. */
export function localBackend(first: BoxStatus, onUnpaired: () => void): Backend {
  let last = first;
  let reachable = true;
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((f) => f());
  const refresh = async () => {
    try {
      last = await fetchStatus();
      reachable = true;
    } catch (e) {
      if (e instanceof Unpaired) onUnpaired();
      reachable = false;
    }
    changed();
  };
  return {
    async decide(payload, direction) {
      const base = { id: newScanId(), payload, direction, at: new Date() };
      try {
        const res = await call("/scan", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ payload, direction: direction === ScanDirection.EXIT ? "exit" : "entry" }),
        });
        const v = (await res.json()) as ScanJSON;
        void refresh();
        return {
          ...base,
          id: v.scan_id || base.id,
          // The box's time, as its own console and the server have it.
          at: v.scanned_at ? new Date(v.scanned_at) : base.at,
          tone: tones[v.verdict] ?? "unknown",
          reason: v.reason,
          message: v.message,
          ticketId: v.ticket_id ?? "",
          seats: v.seats ?? 0,
          expiresAt: v.expires_at ? new Date(v.expires_at) : undefined,
          timeLeftSeconds: v.time_left_seconds,
          enteredAt: v.entered_at ? new Date(v.entered_at) : undefined,
          offline: !v.online,
          queued: v.queued,
        };
      } catch (e) {
        if (e instanceof Unpaired) onUnpaired();
        // The box itself does not answer: nothing was decided.
        return { ...base, tone: "unknown", reason: "", message: "", ticketId: "", seats: 0, network: true };
      }
    },
    start() {
      const timer = setInterval(() => void refresh(), pollMs);
      void refresh();
      return () => clearInterval(timer);
    },
    status(): GateStatus {
      return {
        online: reachable && last.online,
        lastSync: last.last_sync ? Date.parse(last.last_sync) : undefined,
        queued: last.queued,
        clockOffsetMs: last.clock_offset_ms,
        dataTooOld: last.data_too_old,
      };
    },
    onChange(f) {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    watchOccupancy(each) {
      const report = () => {
        const o = last.occupancy;
        each(
          o?.slots.map((s) => ({ resourceId: s.resource_id, slotStart: new Date(s.slot_start), inside: s.inside, booked: s.booked,
            entries: s.entries, exits: s.exits, overstays: s.overstays })),
          reachable && !!o?.connected,
        );
      };
      listeners.add(report);
      report();
      return () => listeners.delete(report);
    },
  };
}
