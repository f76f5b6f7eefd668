// Keeping the phone able to decide alone: a GateService.Sync stream kept
// open (settings, keys, revocations, presences into offline/local.ts,
// resumed from its cursor) and the queue of offline scans sent with
// UploadScans whenever the server answers again. Both run while the
// scanning screen is open; isConnected() and lastContact() tell the
// status line and decide() whether the server answers.
import { timestampFromMs, timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { ScanReason, type SyncResponse, type TicketPresence } from "../gen/varco/v1/gate_pb";
import { deviceRevoked, gate } from "./device";
import { changed, loadQueue, loadState, removeQueued, saveState, toHex, type LocalState } from "./offline/local";
import type { Presence } from "./offline/judge";
import { reasonText } from "./messages";

/** The most scans UploadScans takes at once. */
const uploadBatch = 500;

let connected = false;
let contact = 0;

/** lastContact is when the server last said anything on the stream (Unix ms). */
export function lastContact(): number {
  return contact;
}

/** isConnected: the Sync stream is open (the server answers) and the
 * browser has a network. */
export function isConnected(): boolean {
  return connected && navigator.onLine !== false;
}

const ms = (t: Timestamp | undefined) => (t ? timestampMs(t) : undefined);

function presenceOf(p: TicketPresence): Presence {
  return { resourceId: p.resourceId, state: p.state, enteredAt: ms(p.enteredAt), expiresAt: ms(p.expiresAt), exitedAt: ms(p.exitedAt), seats: p.seats };
}

/** apply is one SyncResponse applied to the local state, in order. As in
 * the Go scanner, the presences of tickets with queued offline scans are
 * left alone (kept across a reset, not overwritten): the server does not
 * know those scans yet, and forgetting them would let the ticket in twice. */
export function apply(s: LocalState, m: SyncResponse, queued: Set<string>): LocalState {
  if (m.reset) {
    const kept: LocalState["presences"] = {};
    for (const id of queued) if (s.presences[id]) kept[id] = s.presences[id];
    s = { ...s, revoked: {}, presences: kept, keys: [] };
  }
  if (m.settings) {
    s.resourceIds = m.settings.resourceIds;
    s.direction = m.settings.direction;
    s.reentryResourceIds = m.settings.reentryResourceIds;
    s.maxInside = m.settings.maxInside;
    s.maxDataAgeMs = m.settings.maxDataAge ? Number(m.settings.maxDataAge.seconds) * 1000 : undefined;
  }
  if (m.keys.length > 0) s.keys = m.keys.map((k) => ({ id: k.keyId, publicHex: toHex(k.publicKey), retiredAt: ms(k.retiredAt) }));
  for (const r of m.revocations) s.revoked[r.ticketId] = ms(r.revokedAt) ?? Date.now();
  for (const p of m.presences) if (!queued.has(p.ticketId)) s.presences[p.ticketId] = presenceOf(p);
  if (m.cursor) s.cursor = m.cursor;
  s.lastSync = Date.now();
  const server = ms(m.serverTime);
  if (server !== undefined) s.clockOffsetMs = server - s.lastSync;
  return s;
}

/** startSync keeps the stream open and the queue flowing until stop. */
export function startSync(): () => void {
  const ac = new AbortController();
  const kick = () => void flush();
  addEventListener("online", kick);
  const timer = setInterval(kick, 10000);
  void (async () => {
    let backoff = 1000;
    while (!ac.signal.aborted) {
      try {
        for await (const m of gate.sync({ cursor: loadState().cursor }, { signal: ac.signal })) {
          contact = Date.now();
          if (m.deviceRevoked) {
            deviceRevoked();
            return;
          }
          // Memory has it at once; a failed write is retried by the
          // next message (the changed records are compared with memory,
          // so a lost write of a presence is not retried: the next
          // reset or the server's next word on the ticket repairs it).
          await saveState(apply(loadState(), m, new Set(loadQueue().map((q) => q.ticketId).filter((id) => id)))).catch(() => {});
          if (!connected) {
            connected = true;
            kick();
          }
          backoff = 1000;
        }
      } catch {
        /* cut off: try again below */
      }
      if (connected) {
        connected = false;
        changed(); // tell the status line
      }
      if (ac.signal.aborted) return;
      // The network coming back ends the wait at once.
      await new Promise<void>((r) => {
        const done = () => {
          clearTimeout(timer);
          removeEventListener("online", done);
          r();
        };
        const timer = setTimeout(done, backoff);
        addEventListener("online", done);
      });
      backoff = Math.min(backoff * 2, 30000);
    }
  })();
  return () => {
    ac.abort();
    clearInterval(timer);
    removeEventListener("online", kick);
  };
}

let flushing = false;

/** flush sends the queue with UploadScans, a batch at a time; a scan
 * leaves the queue once the server answered for it (recorded, duplicate,
 * conflict or rejected), and stays for the next try otherwise. */
export async function flush(): Promise<void> {
  if (flushing) return;
  flushing = true;
  try {
    for (;;) {
      const batch = loadQueue().slice(0, uploadBatch);
      if (batch.length === 0) return;
      const res = await gate.uploadScans(
        {
          scans: batch.map((q) => ({
            scanId: q.scanId,
            payload: q.payload,
            direction: q.direction,
            scannedAt: timestampFromMs(q.scannedAt),
            localVerdict: {
              verdict: q.verdict,
              reason: ScanReason[q.reason as keyof typeof ScanReason] ?? ScanReason.UNSPECIFIED,
              message: reasonText(q.reason),
              ticketId: q.ticketId,
              seats: q.seats,
              expiresAt: q.expiresAt ? timestampFromMs(q.expiresAt) : undefined,
              enteredAt: q.enteredAt ? timestampFromMs(q.enteredAt) : undefined,
            },
          })),
        },
        { timeoutMs: 30000 },
      );
      const done = new Set(res.results.map((r) => r.scanId));
      if (done.size === 0) return;
      await removeQueued(done);
    }
  } catch {
    /* the server does not answer: the next kick tries again */
  } finally {
    flushing = false;
  }
}
