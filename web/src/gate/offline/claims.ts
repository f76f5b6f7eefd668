// The VT1 payload and its claims (docs/ticket-format.md, sections 1 and 3),
// as internal/ticket parses them: prefix, strict base45, the signature as
// the last 64 bytes, and claims that must be the canonical protobuf
// encoding of a valid varco.v1.TicketClaims. The claims are decoded by hand
// (seven fields) rather than with the generated message so that the
// canonical check is exact: parse, check, encode again, compare the bytes,
// which is what the Go verifier does.
import { decodeBase45 } from "./base45";

export const prefix = "VT1:";
/** Payloads longer than this are refused unread (ticket.MaxPayloadLen). */
export const maxPayloadLen = 512;
const signatureLen = 64;
const maxSeats = 2 ** 31 - 1;

/** Claims is what a ticket asserts; instants are Unix seconds. */
export interface Claims {
  keyId: string;
  ticketId: string;
  resourceId: string;
  validFrom: bigint;
  validUntil: bigint;
  /** seconds after the first entry, 0 = no limit */
  maxStay: number;
  seats: number;
}

/** Parsed is a payload split into its checked claims, their bytes as
 * signed, and the signature. */
export interface Parsed {
  claims: Claims;
  raw: Uint8Array<ArrayBuffer>;
  sig: Uint8Array<ArrayBuffer>;
}

/** parsePayload returns undefined for anything MALFORMED. */
export function parsePayload(payload: string): Parsed | undefined {
  // Go counts bytes: a non-ASCII character is never base45 anyway.
  if (new TextEncoder().encode(payload).length > maxPayloadLen) return undefined;
  if (!payload.startsWith(prefix)) return undefined;
  const data = decodeBase45(payload.slice(prefix.length));
  if (!data || data.length <= signatureLen) return undefined;
  const raw = data.slice(0, data.length - signatureLen);
  const sig = data.slice(data.length - signatureLen);
  const claims = decodeClaims(raw);
  if (!claims) return undefined;
  const again = encodeClaims(claims);
  if (again.length !== raw.length || again.some((b, i) => b !== raw[i])) return undefined;
  return { claims, raw, sig };
}

/** Fields as read off the wire, before they are checked. */
interface Fields {
  keyId: Uint8Array;
  ticketId: Uint8Array;
  resourceId: Uint8Array;
  validFrom: bigint;
  validUntil: bigint;
  maxStay: bigint;
  seats: bigint;
}

function readVarint(b: Uint8Array, pos: number): [bigint, number] | undefined {
  let v = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= b.length) return undefined;
    const c = b[pos + i];
    if (i === 9 && c > 1) return undefined; // beyond 64 bits
    v |= BigInt(c & 0x7f) << BigInt(7 * i);
    if (c < 0x80) return [v, pos + i + 1];
  }
  return undefined;
}

/** decodeClaims reads the seven known fields; any other field, or a known
 * one with the wrong wire type, is an unknown field and refused (VT1 is
 * closed). Repeats and odd encodings are left to the canonical check. */
function decodeClaims(b: Uint8Array): Claims | undefined {
  const f: Fields = {
    keyId: new Uint8Array(0),
    ticketId: new Uint8Array(0),
    resourceId: new Uint8Array(0),
    validFrom: 0n,
    validUntil: 0n,
    maxStay: 0n,
    seats: 0n,
  };
  let pos = 0;
  while (pos < b.length) {
    const tag = readVarint(b, pos);
    if (!tag) return undefined;
    pos = tag[1];
    const num = tag[0] >> 3n;
    const wire = Number(tag[0] & 7n);
    if (num >= 1n && num <= 3n && wire === 2) {
      const len = readVarint(b, pos);
      if (!len || len[0] > BigInt(b.length - len[1])) return undefined;
      const value = b.slice(len[1], len[1] + Number(len[0]));
      pos = len[1] + Number(len[0]);
      if (num === 1n) f.keyId = value;
      else if (num === 2n) f.ticketId = value;
      else f.resourceId = value;
    } else if (num >= 4n && num <= 7n && wire === 0) {
      const v = readVarint(b, pos);
      if (!v) return undefined;
      pos = v[1];
      if (num === 4n) f.validFrom = BigInt.asIntN(64, v[0]);
      else if (num === 5n) f.validUntil = BigInt.asIntN(64, v[0]);
      else if (v[0] > 0xffffffffn) return undefined; // a uint32 field: Go would truncate, then differ
      else if (num === 6n) f.maxStay = v[0];
      else f.seats = v[0];
    } else {
      return undefined;
    }
  }
  return checkFields(f);
}

function checkFields(f: Fields): Claims | undefined {
  let keyId: string;
  try {
    keyId = new TextDecoder("utf-8", { fatal: true }).decode(f.keyId);
  } catch {
    return undefined;
  }
  if (!/^[A-Z2-7]{8}$/.test(keyId)) return undefined;
  const ticketId = uuidText(f.ticketId);
  const resourceId = uuidText(f.resourceId);
  if (!ticketId || !resourceId) return undefined;
  if (f.validUntil < f.validFrom) return undefined;
  if (f.seats === 0n || f.seats > BigInt(maxSeats)) return undefined;
  return { keyId, ticketId, resourceId, validFrom: f.validFrom, validUntil: f.validUntil, maxStay: Number(f.maxStay), seats: Number(f.seats) };
}

/** uuidText is the canonical text of 16 raw bytes; undefined for another
 * length or the nil UUID. */
function uuidText(b: Uint8Array): string | undefined {
  if (b.length !== 16 || b.every((x) => x === 0)) return undefined;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function uuidBytes(s: string): number[] {
  const h = s.replace(/-/g, "");
  const out: number[] = [];
  for (let i = 0; i < 32; i += 2) out.push(parseInt(h.slice(i, i + 2), 16));
  return out;
}

function pushVarint(out: number[], v: bigint) {
  let x = BigInt.asUintN(64, v);
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
}

/** encodeClaims is the canonical encoding: fields in order, zero values
 * left out, shortest varints (what the server signs). */
function encodeClaims(c: Claims): Uint8Array {
  const out: number[] = [];
  const bytes = (tag: number, b: number[]) => {
    if (b.length === 0) return;
    out.push(tag);
    pushVarint(out, BigInt(b.length));
    out.push(...b);
  };
  const varint = (tag: number, v: bigint) => {
    if (v === 0n) return;
    out.push(tag);
    pushVarint(out, v);
  };
  bytes(0x0a, [...new TextEncoder().encode(c.keyId)]);
  bytes(0x12, uuidBytes(c.ticketId));
  bytes(0x1a, uuidBytes(c.resourceId));
  varint(0x20, c.validFrom);
  varint(0x28, c.validUntil);
  varint(0x30, BigInt(c.maxStay));
  varint(0x38, BigInt(c.seats));
  return new Uint8Array(out);
}
