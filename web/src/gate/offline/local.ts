// What the gate keeps on the phone to decide without the server: the
// GateService.Sync state (settings, keys, revocations, presences, cursor)
// and the queue of scans decided offline, each in localStorage
// (varco.gate.local, varco.gate.queue). localStorage is synchronous, so a
// scan is durably queued before its verdict is shown, like the Go
// scanner's queue; it holds a few MB, enough for the presences of a day
// and thousands of queued scans.
import { buildRing, type KeyRing } from "./keys";
import type { Presence } from "./judge";

const stateKey = "varco.gate.local";
const queueKey = "varco.gate.queue";

export interface LocalKey {
  id: string;
  publicHex: string;
  retiredAt?: number;
}

export interface LocalState {
  cursor: string;
  /** Unix ms of the last message from the server (heartbeats included) */
  lastSync?: number;
  /** settings as last synced; undefined before the first Sync */
  resourceIds?: string[];
  direction?: number;
  reentryResourceIds: string[];
  /** occupancy cap per resource id, as last synced */
  maxInside?: Record<string, number>;
  /** GateSettings.max_data_age in ms; undefined or 0: no bound */
  maxDataAgeMs?: number;
  /** the server's clock minus this device's at the last Sync message, ms */
  clockOffsetMs?: number;
  keys: LocalKey[];
  /** revoked ticket id → Unix ms */
  revoked: Record<string, number>;
  presences: Record<string, Presence>;
}

/** QueuedScan is an offline decision waiting for UploadScans. */
export interface QueuedScan {
  scanId: string;
  payload: string;
  direction: number;
  scannedAt: number;
  verdict: number;
  reason: string;
  ticketId: string;
  seats: number;
  expiresAt?: number;
  enteredAt?: number;
}

const empty = (): LocalState => ({ cursor: "", reentryResourceIds: [], keys: [], revoked: {}, presences: {} });

export function loadState(): LocalState {
  try {
    return { ...empty(), ...(JSON.parse(localStorage.getItem(stateKey) ?? "null") ?? {}) };
  } catch {
    return empty();
  }
}

/** saveState writes the whole state; it throws when storage is full. */
export function saveState(s: LocalState) {
  localStorage.setItem(stateKey, JSON.stringify(s));
  changed();
}

export function loadQueue(): QueuedScan[] {
  try {
    return JSON.parse(localStorage.getItem(queueKey) ?? "[]") as QueuedScan[];
  } catch {
    return [];
  }
}

/** saveQueue writes the queue; it throws when storage is full. */
export function saveQueue(q: QueuedScan[]) {
  localStorage.setItem(queueKey, JSON.stringify(q));
  changed();
}

/** clearLocal forgets everything of the device (it was forgotten or revoked). */
export function clearLocal() {
  localStorage.removeItem(stateKey);
  localStorage.removeItem(queueKey);
  changed();
}

// Listeners of the status line: the state or the queue changed.
const listeners = new Set<() => void>();

export function onLocalChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

export function changed() {
  for (const f of listeners) f();
}

let cached: { keys: string; ring: Promise<KeyRing> } | undefined;

function hexBytes(h: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** ring is the KeyRing of the synced keys, imported once per key set. */
export function ring(s: LocalState): Promise<KeyRing> {
  const keys = JSON.stringify(s.keys);
  if (cached?.keys !== keys) {
    cached = { keys, ring: buildRing(s.keys.map((k) => ({ id: k.id, publicKey: hexBytes(k.publicHex), retiredAt: k.retiredAt }))) };
  }
  return cached.ring;
}

export function toHex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}
