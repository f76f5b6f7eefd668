// What the gate keeps on the phone to decide without the server: the
// GateService.Sync state (settings, keys, revocations, presences, cursor)
// and the queue of scans decided offline, in IndexedDB (database
// "varco-gate"): one record per presence, per revocation and per queued
// scan, so a Sync message or a scan writes only what changed, and the
// presences of tens of thousands of tickets cost no rewrite of the whole.
//
// The app reads a copy kept in memory, loaded once by openLocal before
// the first screen; every write goes to memory at once and to IndexedDB in
// a transaction whose promise the caller may await. An offline scan waits
// for its transaction (strict durability: on disk, not only in the OS's
// cache) before its verdict is shown, like the Go scanner's fsynced queue.
//
// A phone of an earlier version kept both in localStorage
// (varco.gate.local, varco.gate.queue): openLocal moves them here once.
import { buildRing, type KeyRing } from "./keys";
import type { Presence } from "./judge";

const dbName = "varco-gate";
const legacyStateKey = "varco.gate.local";
const legacyQueueKey = "varco.gate.queue";

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
  /** order of arrival in the queue (set by appendQueued) */
  seq?: number;
}

const empty = (): LocalState => ({ cursor: "", reentryResourceIds: [], keys: [], revoked: {}, presences: {} });

let state: LocalState = empty();
let queue: QueuedScan[] = [];
let db: IDBDatabase | undefined;
let opening: Promise<void> | undefined;

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((ok, fail) => {
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((ok, fail) => {
    tx.oncomplete = () => ok();
    tx.onerror = () => fail(tx.error);
    tx.onabort = () => fail(tx.error ?? new Error("IndexedDB transaction aborted"));
  });
}

/** The state apart from its maps: one record, rewritten at each change. */
function metaOf(s: LocalState): Omit<LocalState, "revoked" | "presences"> {
  const { revoked: _r, presences: _p, ...meta } = s;
  return meta;
}

/** openLocal loads the state and the queue (once; later calls wait for
 * the first). Without IndexedDB the state stays empty and every write
 * fails: offline scans are then "not checked", never let through. */
export function openLocal(): Promise<void> {
  opening ??= (async () => {
    if (typeof indexedDB === "undefined") return;
    const open = indexedDB.open(dbName, 1);
    open.onupgradeneeded = () => {
      const d = open.result;
      d.createObjectStore("meta");
      d.createObjectStore("presences");
      d.createObjectStore("revoked");
      d.createObjectStore("queue", { keyPath: "scanId" });
    };
    try {
      db = await req(open);
    } catch {
      return;
    }
    const tx = db.transaction(["meta", "presences", "revoked", "queue"], "readonly");
    const [meta, pk, pv, rk, rv, q] = await Promise.all([
      req(tx.objectStore("meta").get("state")),
      req(tx.objectStore("presences").getAllKeys()),
      req(tx.objectStore("presences").getAll()),
      req(tx.objectStore("revoked").getAllKeys()),
      req(tx.objectStore("revoked").getAll()),
      req(tx.objectStore("queue").getAll()),
    ]);
    const s: LocalState = { ...empty(), ...(meta ?? {}) };
    pk.forEach((k, i) => (s.presences[String(k)] = pv[i] as Presence));
    rk.forEach((k, i) => (s.revoked[String(k)] = rv[i] as number));
    state = s;
    queue = (q as QueuedScan[]).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    await migrate();
    changed();
  })();
  return opening;
}

/** migrate moves what an earlier version kept in localStorage into
 * IndexedDB, then removes it; a queued scan already here is not doubled. */
async function migrate() {
  let old: Partial<LocalState> | undefined;
  let oldQueue: QueuedScan[] = [];
  try {
    old = JSON.parse(localStorage.getItem(legacyStateKey) ?? "null") ?? undefined;
    oldQueue = JSON.parse(localStorage.getItem(legacyQueueKey) ?? "[]") as QueuedScan[];
  } catch {
    /* unreadable: nothing to move */
  }
  if (!old && oldQueue.length === 0) return;
  const next = old && !state.lastSync ? { ...empty(), ...old } : loadState();
  // Presences of the old queue's tickets win: the server does not know
  // those scans yet (as apply keeps them).
  if (old?.presences) for (const q of oldQueue) if (q.ticketId && old.presences[q.ticketId]) next.presences[q.ticketId] = old.presences[q.ticketId];
  const have = new Set(queue.map((q) => q.scanId));
  await saveState(next, oldQueue.filter((q) => !have.has(q.scanId)));
  localStorage.removeItem(legacyStateKey);
  localStorage.removeItem(legacyQueueKey);
}

/** loadState is a copy of the state; change it and give it to saveState. */
export function loadState(): LocalState {
  return { ...state, presences: { ...state.presences }, revoked: { ...state.revoked } };
}

/** saveState stores s (and appends the scans add to the queue) in one
 * transaction, writing only the presences and revocations that changed
 * (a different object than the stored one). It rejects when the write
 * fails (no IndexedDB, storage full); memory has the new state anyway. */
export function saveState(s: LocalState, add: QueuedScan[] = []): Promise<void> {
  const prev = state;
  state = { ...s, presences: { ...s.presences }, revoked: { ...s.revoked } };
  let seq = queue.length > 0 ? (queue[queue.length - 1].seq ?? queue.length) + 1 : 1;
  const added = add.map((q) => ({ ...q, seq: seq++ }));
  queue = [...queue, ...added];
  changed();
  if (!db) return Promise.reject(new Error("no IndexedDB"));
  const tx = db.transaction(["meta", "presences", "revoked", "queue"], "readwrite", { durability: added.length > 0 ? "strict" : "default" });
  const ps = tx.objectStore("presences");
  const rs = tx.objectStore("revoked");
  tx.objectStore("meta").put(metaOf(s), "state");
  for (const [id, p] of Object.entries(s.presences)) if (prev.presences[id] !== p) ps.put(p, id);
  for (const id of Object.keys(prev.presences)) if (!(id in s.presences)) ps.delete(id);
  for (const [id, at] of Object.entries(s.revoked)) if (prev.revoked[id] !== at) rs.put(at, id);
  for (const id of Object.keys(prev.revoked)) if (!(id in s.revoked)) rs.delete(id);
  const qs = tx.objectStore("queue");
  for (const q of added) qs.put(q);
  return done(tx);
}

/** loadQueue is the queue, oldest first. */
export function loadQueue(): QueuedScan[] {
  return queue;
}

/** removeQueued drops the scans the server answered for. */
export function removeQueued(ids: Set<string>): Promise<void> {
  queue = queue.filter((q) => !ids.has(q.scanId));
  changed();
  if (!db) return Promise.reject(new Error("no IndexedDB"));
  const tx = db.transaction("queue", "readwrite");
  for (const id of ids) tx.objectStore("queue").delete(id);
  return done(tx);
}

/** clearLocal forgets everything of the device (it was forgotten or revoked). */
export function clearLocal(): Promise<void> {
  state = empty();
  queue = [];
  changed();
  localStorage.removeItem(legacyStateKey);
  localStorage.removeItem(legacyQueueKey);
  if (!db) return Promise.resolve();
  const tx = db.transaction(["meta", "presences", "revoked", "queue"], "readwrite");
  for (const n of ["meta", "presences", "revoked", "queue"]) tx.objectStore(n).clear();
  return done(tx);
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
