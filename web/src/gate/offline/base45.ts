// Base45 (RFC 9285), decoding only, as strict as internal/ticket's
// decodeBase45: a character outside the alphabet, a length of 1 mod 3 and
// an overflowing group are errors, so every accepted string is the encoding
// of exactly one byte string (docs/ticket-format.md, section 2).

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/** decodeBase45 returns the bytes, or undefined when s is not strict base45. */
export function decodeBase45(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (s.length % 3 === 1) return undefined;
  const out = new Uint8Array(Math.floor(s.length / 3) * 2 + (s.length % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < s.length; i += 3) {
    const group = s.slice(i, i + 3);
    let n = 0;
    for (let j = group.length - 1; j >= 0; j--) {
      const v = alphabet.indexOf(group[j]);
      if (v < 0) return undefined;
      n = n * 45 + v;
    }
    if (group.length === 3) {
      if (n > 0xffff) return undefined;
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      if (n > 0xff) return undefined;
      out[o++] = n;
    }
  }
  return out;
}
