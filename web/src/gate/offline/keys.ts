// The ticket signing keys a gate verifies with: the public keys that
// GateService.Sync sends, checked as internal/ticket's KeyRing checks them
// (32 bytes, and an id derived from the key itself, so a key can never
// verify tickets naming another id; the first of two keys with one id
// wins) and imported once into WebCrypto.

/** SyncedKey is a varco.v1.TicketKey as the device keeps it. */
export interface SyncedKey {
  id: string;
  publicKey: Uint8Array<ArrayBuffer>;
  /** Unix ms; tickets signed with the key are refused after it */
  retiredAt?: number;
}

/** RingKey is a usable key; key is undefined when the browser would not
 * import it (every signature then fails, as in Go). */
export interface RingKey {
  id: string;
  retiredAt?: number;
  key?: CryptoKey;
}

export type KeyRing = Map<string, RingKey>;

const base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** deriveKeyId is base32(SHA-256(public key)[0:5]) (docs/ticket-format.md, section 5). */
export async function deriveKeyId(pub: Uint8Array<ArrayBuffer>): Promise<string> {
  const sum = new Uint8Array(await crypto.subtle.digest("SHA-256", pub));
  let bits = 0n;
  for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(sum[i]);
  let id = "";
  for (let i = 7; i >= 0; i--) id += base32[Number((bits >> BigInt(5 * i)) & 31n)];
  return id;
}

/** buildRing checks and imports the keys; inconsistent ones are left out. */
export async function buildRing(keys: SyncedKey[]): Promise<KeyRing> {
  const ring: KeyRing = new Map();
  for (const k of keys) {
    if (k.publicKey.length !== 32 || ring.has(k.id) || (await deriveKeyId(k.publicKey)) !== k.id) continue;
    let key: CryptoKey | undefined;
    try {
      key = await crypto.subtle.importKey("raw", k.publicKey, { name: "Ed25519" }, false, ["verify"]);
    } catch {
      key = undefined;
    }
    ring.set(k.id, { id: k.id, retiredAt: k.retiredAt, key });
  }
  return ring;
}
