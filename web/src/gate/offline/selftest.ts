// The bridge from the shared table of offline cases
// (internal/scanner/testdata/offline_cases.json) to judge: the gate app
// exposes runCases as window.varcoGateSelftest when opened with ?selftest,
// and TestGateAppOfflineCases compares every answer with the Go scanner's.
// It decides nothing for the app and reads nothing of the device.
import { buildRing } from "./keys";
import { countInside, judge, type Presence } from "./judge";

interface CasePresence {
  resource_id?: string;
  state: number;
  entered_at_ms?: number;
  expires_at_ms?: number;
  exited_at_ms?: number;
  seats?: number;
}

interface Case {
  name: string;
  payload: string;
  keys: { id: string; public_hex: string; retired_at_ms?: number }[];
  revoked: string[];
  presences: Record<string, CasePresence>;
  gate: { resource_ids: string[]; direction: number; reentry_resource_ids?: string[]; max_inside?: Record<string, number> };
  direction: number;
  now_ms: number;
  synced_at_ms?: number;
  max_data_age_ms?: number;
}

function hexBytes(h: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const fromCase = (p: CasePresence): Presence => ({
  resourceId: p.resource_id,
  state: p.state,
  enteredAt: p.entered_at_ms || undefined,
  expiresAt: p.expires_at_ms || undefined,
  exitedAt: p.exited_at_ms || undefined,
  seats: p.seats || undefined,
});

const toCase = (p: Presence): CasePresence => ({
  resource_id: p.resourceId,
  state: p.state,
  entered_at_ms: p.enteredAt,
  expires_at_ms: p.expiresAt,
  exited_at_ms: p.exitedAt,
  seats: p.seats,
});

/** runCases answers each case in the table's "want" form. */
export async function runCases(cases: Case[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const c of cases) {
    const ring = await buildRing(c.keys.map((k) => ({ id: k.id, publicKey: hexBytes(k.public_hex), retiredAt: k.retired_at_ms || undefined })));
    const known = {
      revoked: (id: string) => c.revoked.includes(id),
      presence: (id: string) => (c.presences[id] ? fromCase(c.presences[id]) : undefined),
      inside: (resourceId: string) => {
        const all: Record<string, Presence> = {};
        for (const [id, p] of Object.entries(c.presences)) all[id] = fromCase(p);
        return countInside(all, (id) => c.revoked.includes(id), resourceId);
      },
    };
    const g = { resourceIds: c.gate.resource_ids, direction: c.gate.direction, reentryResourceIds: c.gate.reentry_resource_ids ?? [],
      maxInside: c.gate.max_inside };
    const fresh = { asOf: c.synced_at_ms ?? 0, maxAgeMs: c.max_data_age_ms ?? 0 };
    const r = await judge(c.payload, ring, known, fresh, g, c.direction, c.now_ms);
    out.push({
      verdict: r.verdict,
      reason: r.reason,
      ticket_id: r.ticketId,
      seats: r.seats,
      entered_at_ms: r.enteredAt,
      expires_at_ms: r.expiresAt,
      time_left_ms: r.timeLeftMs,
      next: r.next ? toCase(r.next) : null,
    });
  }
  return out;
}
