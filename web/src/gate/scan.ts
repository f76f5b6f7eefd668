// One scan, from the code read to the verdict shown. Online the server
// decides (GateService.Scan, one source of truth across gates); the scan
// id is drawn once, so a retry after a lost answer is the same scan.
//
// Offline decisions are the next step: a decider with the rules of
// internal/gate.Decide over the keys, revocations and presences that
// GateService.Sync streams, whose verdicts go to the queue (queue.ts) with
// the local verdict and are sent with UploadScans. decide() is the one
// place that chooses between them.
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { problem } from "../shared/api";
import { ScanDirection, ScanReason, ScanVerdict, type Verdict } from "../gen/varco/v1/gate_pb";
import { gate, newScanId } from "./device";
import { reasonText } from "./messages";

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
  /** the server could not be asked */
  network?: boolean;
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

// A gate cannot keep a queue of people waiting: an answer that does not
// come in this time counts as no network.
const timeoutMs = 4000;

/** decide asks the server about one read code. */
export async function decide(payload: string, direction: ScanDirection): Promise<Shown> {
  const base = { id: newScanId(), payload, direction, at: new Date() };
  const req = { scanId: base.id, payload, direction, scannedAt: timestampFromDate(base.at) };
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await gate.scan(req, { timeoutMs });
      return shownOf(base, res.verdict);
    } catch (e) {
      const p = problem(e);
      const network = p.network || p.code === Code.Aborted;
      if (network && attempt === 0) continue; // once more, same scan id
      return { ...shownOf(base, undefined), message: p.message, network };
    }
  }
}
