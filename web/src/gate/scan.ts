// One scan, from the code read to the verdict shown. Online the server
// decides (GateService.Scan, one source of truth across gates); the scan
// id is drawn once, so a retry after a lost answer is the same scan.
//
// Offline the phone decides (offline/judge.ts: the rules and the keys of
// the Go scanner, over what GateService.Sync streamed into offline/local.ts),
// queues the scan durably and sends it with UploadScans later (sync.ts).
// decide() is the one place that chooses between them.
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { problem } from "../shared/api";
import { ScanDirection, ScanReason, ScanVerdict, type Verdict } from "../gen/varco/v1/gate_pb";
import { gate, loadDevice, newScanId } from "./device";
import { reasonText, t } from "./messages";
import { maxPayloadLen, parsePayload } from "./offline/claims";
import { Accepted, Exited, Flagged, Inside, Issued, Refused, countInside, judge, type Presence } from "./offline/judge";
import { loadState, ring, saveState } from "./offline/local";
import { flush, lastContact } from "./sync";

export type Tone = "accepted" | "refused" | "flagged" | "unknown";

/** Shown is a scan as the operator sees it. */
export interface Shown {
  id: string;
  payload: string;
  direction: ScanDirection;
  at: Date;
  tone: Tone;
  /** ScanReason name ("ALREADY_INSIDE"), "" when undecided */
  reason: string;
  message: string;
  ticketId: string;
  seats: number;
  expiresAt?: Date;
  timeLeftSeconds?: number;
  enteredAt?: Date;
  /** the server could not be asked, and nothing was decided */
  network?: boolean;
  /** decided by the phone, the server not answering */
  offline?: boolean;
  /** the offline decision waits in the queue for UploadScans */
  queued?: boolean;
}

function toneOf(v: ScanVerdict): Tone {
  switch (v) {
    case ScanVerdict.ACCEPTED:
      return "accepted";
    case ScanVerdict.FLAGGED:
      return "flagged";
    case ScanVerdict.REFUSED:
      return "refused";
  }
  return "unknown";
}

/** shownOf maps the server's verdict; its message is already in the
 * device's language (Accept-Language), the catalog is the fallback. */
export function shownOf(base: Pick<Shown, "id" | "payload" | "direction" | "at">, v: Verdict | undefined): Shown {
  const reason = v ? ScanReason[v.reason] ?? "" : "";
  return {
    ...base,
    tone: toneOf(v?.verdict ?? ScanVerdict.UNSPECIFIED),
    reason,
    message: v?.message || reasonText(reason),
    ticketId: v?.ticketId ?? "",
    seats: v?.seats ?? 0,
    expiresAt: v?.expiresAt ? timestampDate(v.expiresAt) : undefined,
    timeLeftSeconds: v?.timeLeft ? Number(v.timeLeft.seconds) : undefined,
    enteredAt: v?.enteredAt ? timestampDate(v.enteredAt) : undefined,
  };
}

// A person is waiting at the gate: an answer that does not come in this
// time counts as no network, and the phone decides (as the Go scanner's
// DefaultScanTimeout).
const timeoutMs = 2000;
const onlinePauseMs = 15000;
let pause = { at: 0, until: 0 };

/** decide decides one read code: the server when it answers within
 * timeoutMs, the phone otherwise (decideOffline). */
export async function decide(payload: string, direction: ScanDirection): Promise<Shown> {
  const base = { id: newScanId(), payload, direction, at: new Date() };
  const req = { scanId: base.id, payload, direction, scannedAt: timestampFromDate(base.at) };
  // The browser knows it has no network at all: no point waiting. After
  // a timeout the next scans skip the online try for a while (a network
  // that swallows packets would cost 2 s at every person), until the
  // server shows a sign of life on the Sync stream (the Go scanner's
  // OnlinePause).
  const paused = Date.now() < pause.until && lastContact() <= pause.at;
  if (navigator.onLine !== false && !paused) {
    try {
      const res = await gate.scan(req, { timeoutMs });
      const shown = shownOf(base, res.verdict);
      learn(shown);
      return shown;
    } catch (e) {
      const p = problem(e);
      // A device the server refuses must not go on opening the gate alone.
      if (p.code === Code.Unauthenticated || p.code === Code.PermissionDenied) {
        return { ...shownOf(base, undefined), message: p.message };
      }
      if (p.code === Code.DeadlineExceeded) pause = { at: Date.now(), until: Date.now() + onlinePauseMs };
      // Anything else (no route, timeout, a server in trouble): the gate
      // keeps working and the upload reconciles. The same scan id is
      // queued, so a scan the server did record is answered DUPLICATE.
    }
  }
  return decideOffline(base);
}

function toneOfVerdict(v: number): Tone {
  return v === Accepted ? "accepted" : v === Flagged ? "flagged" : v === Refused ? "refused" : "unknown";
}

/** decideOffline applies the rules to the synced state, stores the new
 * presence and queues the scan (refusals too, as the Go scanner does)
 * before the verdict is shown. */
async function decideOffline(base: Pick<Shown, "id" | "payload" | "direction" | "at">): Promise<Shown> {
  const st = loadState();
  // Decided (and queued) at the server's time, as the Go scanner does.
  const offset = st.clockOffsetMs ?? 0;
  const now = base.at.getTime() + offset;
  const d = loadDevice();
  const g = {
    resourceIds: st.resourceIds ?? d?.resourceIds ?? [],
    direction: st.direction ?? d?.direction ?? 0,
    reentryResourceIds: st.reentryResourceIds,
    maxInside: st.maxInside,
  };
  const revoked = (id: string) => id in st.revoked;
  const known = { revoked, presence: (id: string) => st.presences[id], inside: (res: string) => countInside(st.presences, revoked, res) };
  const fresh = { asOf: (st.lastSync ?? 0) + offset, maxAgeMs: st.maxDataAgeMs ?? 0 };
  const r = await judge(base.payload, await ring(st), known, fresh, g, base.direction, now);
  const shown: Shown = {
    ...base,
    tone: toneOfVerdict(r.verdict),
    reason: r.reason,
    message: reasonText(r.reason),
    ticketId: r.ticketId,
    seats: r.seats,
    expiresAt: r.expiresAt !== undefined ? new Date(r.expiresAt) : undefined,
    timeLeftSeconds: r.timeLeftMs !== undefined ? Math.floor(r.timeLeftMs / 1000) : undefined,
    enteredAt: r.enteredAt !== undefined ? new Date(r.enteredAt) : undefined,
    offline: true,
  };
  // Payloads the server rejects outright are not worth sending.
  if (!base.payload || base.payload.length > maxPayloadLen) return shown;
  try {
    // The new presence and the queued scan in one transaction, on disk
    // before the verdict is shown.
    const fresh = loadState();
    if (r.next) fresh.presences[r.ticketId] = r.next;
    await saveState(fresh, [
      { scanId: base.id, payload: base.payload, direction: base.direction, scannedAt: now, verdict: r.verdict, reason: r.reason,
        ticketId: r.ticketId, seats: r.seats, expiresAt: r.expiresAt, enteredAt: r.enteredAt },
    ]);
  } catch {
    // Not stored, so not decided: keep the gate closed.
    return { ...shownOf(base, undefined), message: t("verdict.storage") };
  }
  void flush();
  return { ...shown, queued: true };
}

/** learn keeps the local presence in step with an online verdict, so
 * anti-passback still holds if the network drops right after (the Go
 * scanner's learn). The Sync stream brings the same within a second. */
function learn(s: Shown) {
  if (!s.ticketId) return;
  const claims = parsePayload(s.payload)?.claims;
  const resourceId = claims?.resourceId;
  const st = loadState();
  const old = st.presences[s.ticketId];
  const p: Presence = { resourceId, state: Inside, enteredAt: s.enteredAt?.getTime(), expiresAt: s.expiresAt?.getTime(), seats: claims?.seats };
  const through = s.tone === "accepted" || s.tone === "flagged";
  if (s.reason === "REVOKED") {
    st.revoked[s.ticketId] = s.at.getTime();
  } else if ((through && s.direction === ScanDirection.ENTRY) || s.reason === "ALREADY_INSIDE" ||
    (s.reason === "STAY_EXPIRED" && s.direction === ScanDirection.ENTRY && s.enteredAt)) {
    st.presences[s.ticketId] = p;
  } else if (through && s.direction === ScanDirection.EXIT) {
    st.presences[s.ticketId] = { ...p, state: Exited, exitedAt: s.at.getTime() };
  } else if (s.reason === "ALREADY_USED") {
    st.presences[s.ticketId] = { ...p, state: Exited };
  } else if (s.reason === "NOT_INSIDE" && old?.state === Inside) {
    st.presences[s.ticketId] = { ...p, state: Issued };
  } else {
    return;
  }
  // A failed write: the Sync stream brings it anyway.
  saveState(st).catch(() => {});
}
