// The offline decision, a port of internal/scanner's judge: the ticket's
// signature against the synced keys (internal/ticket.Verify), the
// revocation list, then the gate rules over the known presence
// (internal/gate.Decide). Both sides answer the shared table
// internal/scanner/testdata/offline_cases.json identically
// (TestOfflineCases in Go, TestGateAppOfflineCases in Chromium); change
// the rules in both, then regenerate the table.
import { parsePayload, type Claims } from "./claims";
import type { KeyRing } from "./keys";

// Values match varco.v1 (and internal/gate).
export const Entry = 1, Exit = 2;
export const GateEntry = 1, GateExit = 2, GateBoth = 3;
export const Issued = 1, Inside = 2, Exited = 3, Expired = 4, Revoked = 5;
export const Accepted = 1, Refused = 2, Flagged = 3;

/** Presence is a ticket's gate state as the device knows it; instants in
 * Unix ms, undefined when not set. */
export interface Presence {
  resourceId?: string;
  state: number;
  enteredAt?: number;
  expiresAt?: number;
  exitedAt?: number;
  /** people the ticket admits, counted against an occupancy cap */
  seats?: number;
}

/** GateConfig is the device's gate (GateSettings). */
export interface GateConfig {
  resourceIds: string[];
  direction: number;
  reentryResourceIds: string[];
  /** occupancy cap per resource id (GateSettings.max_inside); absent: none */
  maxInside?: Record<string, number>;
  /** people inside per resource, as the device knows them; read only
   * where a cap is set */
  inside?: Record<string, number>;
}

/** Known is what the device knows about tickets, apart from keys. */
export interface Known {
  revoked(ticketId: string): boolean;
  presence(ticketId: string): Presence | undefined;
  /** people inside a resource: seats of its unrevoked tickets inside */
  inside(resourceId: string): number;
}

/** countInside is the Go scanner's countInside: the seats of the
 * unrevoked tickets inside resourceId. */
export function countInside(presences: Record<string, Presence>, revoked: (ticketId: string) => boolean, resourceId: string): number {
  let n = 0;
  for (const [id, p] of Object.entries(presences)) {
    if (p.state === Inside && p.resourceId === resourceId && !revoked(id)) n += p.seats ?? 0;
  }
  return n;
}

/** Judged is the offline verdict and the presence to store (next,
 * undefined when nothing changes). */
export interface Judged {
  verdict: number;
  /** ScanReason name without its prefix ("ALREADY_INSIDE") */
  reason: string;
  ticketId: string;
  seats: number;
  enteredAt?: number;
  expiresAt?: number;
  timeLeftMs?: number;
  next?: Presence;
}

interface Verified {
  claims?: Claims;
  reason: string;
}

/** verify is internal/ticket.Verify: MALFORMED, UNKNOWN_KEY, FORGED, a
 * key retired before now (UNKNOWN_KEY), or OK. The claims come back
 * whenever the payload parsed, to show which ticket was refused. */
export async function verify(payload: string, ring: KeyRing, now: number): Promise<Verified> {
  const p = parsePayload(payload);
  if (!p) return { reason: "MALFORMED" };
  const k = ring.get(p.claims.keyId);
  if (!k) return { claims: p.claims, reason: "UNKNOWN_KEY" };
  const msg = new Uint8Array(3 + p.raw.length);
  msg.set([0x56, 0x54, 0x31]); // "VT1": domain separation
  msg.set(p.raw, 3);
  let ok = false;
  try {
    ok = !!k.key && (await crypto.subtle.verify({ name: "Ed25519" }, k.key, p.sig, msg));
  } catch {
    ok = false;
  }
  if (!ok) return { claims: p.claims, reason: "FORGED" };
  // After the signature, so a forgery naming a retired key is FORGED.
  if (k.retiredAt !== undefined && now > k.retiredAt) return { claims: p.claims, reason: "UNKNOWN_KEY" };
  return { claims: p.claims, reason: "OK" };
}

function windowReason(c: Claims, now: number): string {
  const t = BigInt(now);
  if (t < c.validFrom * 1000n) return "TOO_EARLY";
  if (t > c.validUntil * 1000n) return "TOO_LATE";
  return "OK";
}

interface Decision {
  verdict: number;
  reason: string;
  next: Presence;
  changed: boolean;
}

const refuse = (reason: string, p: Presence): Decision => ({ verdict: Refused, reason, next: p, changed: false });

/** decide is internal/gate.Decide, rule for rule and in the same order. */
export function decide(c: Claims, p: Presence, g: GateConfig, dir: number, now: number): Decision {
  if (p.state === Revoked) return refuse("REVOKED", p);
  if (!g.resourceIds.includes(c.resourceId)) return refuse("WRONG_RESOURCE", p);
  if ((dir === Entry && g.direction === GateExit) || (dir === Exit && g.direction === GateEntry) || (dir !== Entry && dir !== Exit)) {
    return refuse("WRONG_DIRECTION", p);
  }
  if (dir === Exit) {
    if (p.state !== Inside) return refuse("NOT_INSIDE", p);
    const next = { ...p, state: Exited, exitedAt: now };
    if (p.expiresAt !== undefined && now > p.expiresAt) {
      // Let them out, but the overstay is flagged for the operator.
      return { verdict: Flagged, reason: "STAY_EXPIRED", next, changed: true };
    }
    return { verdict: Accepted, reason: "OK", next, changed: true };
  }
  if (p.state === Inside) {
    if (p.expiresAt !== undefined && now > p.expiresAt) return refuse("STAY_EXPIRED", p);
    return refuse("ALREADY_INSIDE", p);
  }
  if (p.state === Expired) return refuse("STAY_EXPIRED", p);
  if (p.state === Exited && !g.reentryResourceIds.includes(c.resourceId)) return refuse("ALREADY_USED", p);
  const w = windowReason(c, now);
  if (w !== "OK") return refuse(w, p);
  const limit = g.maxInside?.[c.resourceId] ?? 0;
  // The whole party enters together or waits: an exit frees room.
  if (limit > 0 && (g.inside?.[c.resourceId] ?? 0) + c.seats > limit) return refuse("VENUE_FULL", p);
  const next: Presence = { ...p, state: Inside };
  if (next.enteredAt === undefined) {
    // The stay starts at the first entry and a re-entry does not reset it.
    next.enteredAt = now;
    if (c.maxStay > 0) next.expiresAt = now + c.maxStay * 1000;
  }
  if (next.expiresAt !== undefined && now > next.expiresAt) return refuse("STAY_EXPIRED", p);
  return { verdict: Accepted, reason: "OK", next, changed: true };
}

/** Freshness is how old the device's data is: its last contact with the
 * server (Unix ms, in the server's time) and the most the organizer allows
 * for offline decisions (GateSettings.max_data_age; 0: no bound). */
export interface Freshness {
  asOf: number;
  maxAgeMs: number;
}

/** judge decides one payload offline, as the Go scanner does. */
export async function judge(payload: string, ring: KeyRing, known: Known, fresh: Freshness, g: GateConfig, dir: number, now: number): Promise<Judged> {
  const v = await verify(payload, ring, now);
  const r: Judged = { verdict: Refused, reason: v.reason, ticketId: v.claims?.ticketId ?? "", seats: v.claims?.seats ?? 0 };
  // Keys and revocations this old may miss a cancelled ticket or a new
  // key: no entry. Exits are decided as usual (they let no one in, and a
  // refused exit would keep who left counted inside), as in the Go scanner.
  if (dir !== Exit && fresh.maxAgeMs > 0 && now - fresh.asOf > fresh.maxAgeMs) return { ...r, reason: "DATA_TOO_OLD" };
  if (v.reason !== "OK" || !v.claims) return r;
  const c = v.claims;
  if (known.revoked(c.ticketId)) return { ...r, reason: "REVOKED" };
  if ((g.maxInside?.[c.resourceId] ?? 0) > 0) g = { ...g, inside: { [c.resourceId]: known.inside(c.resourceId) } };
  const d = decide(c, known.presence(c.ticketId) ?? { state: Issued }, g, dir, now);
  r.verdict = d.verdict;
  r.reason = d.reason;
  r.enteredAt = d.next.enteredAt;
  r.expiresAt = d.next.expiresAt;
  if (d.changed) {
    r.next = { resourceId: c.resourceId, state: d.next.state, enteredAt: d.next.enteredAt, expiresAt: d.next.expiresAt, exitedAt: d.next.exitedAt, seats: c.seats };
  }
  if ((r.verdict === Accepted || r.verdict === Flagged) && r.expiresAt !== undefined) {
    r.timeLeftMs = Math.max(r.expiresAt - now, 0);
  }
  return r;
}
