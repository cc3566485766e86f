// MurmurHash3 x86_128 (Austin Appleby, public domain), in plain 32-bit JS arithmetic.
// Chosen by measurement: ~10x faster per row than node:crypto's createHash (whose per-call
// overhead dominates for 100-byte rows). Not cryptographic: Parity hashes to detect
// accidental differences between two copies, not to resist a forger; both sides always use
// the same hash. Masking uses HMAC-SHA-256 (src/policy/mask.ts), which is.

const TAIL = new Uint8Array(16);
const C1 = 0x239b961b, C2 = 0xab0e9789, C3 = 0x38b34ae5, C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * A little-endian word view of a buffer that starts on a 4-byte boundary: murmur3x86_128
 * reads its 16-byte blocks through it, one load per word (~1.5x faster on 150-byte rows).
 * Undefined on a big-endian machine or an unaligned buffer (the bytes are read one by one).
 */
export function wordView(buf: Uint8Array): Int32Array | undefined {
  return LITTLE_ENDIAN && (buf.byteOffset & 3) === 0 ? new Int32Array(buf.buffer, buf.byteOffset, buf.length >>> 2) : undefined;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Hashes buf[0..len) into out[0..3] (uint32 words, h1..h4); `words` is wordView(buf), if any. */
export function murmur3x86_128(buf: Uint8Array, len: number, seed: number, out: Uint32Array, words?: Int32Array): void {
  let h1 = seed | 0, h2 = seed | 0, h3 = seed | 0, h4 = seed | 0;
  const nblocks = len >>> 4;
  let i = 0;
  for (let b = 0; b < nblocks; b++, i += 16) {
    let k1: number, k2: number, k3: number, k4: number;
    if (words) {
      const j = i >>> 2;
      k1 = words[j];
      k2 = words[j + 1];
      k3 = words[j + 2];
      k4 = words[j + 3];
    } else {
      k1 = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
      k2 = buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24);
      k3 = buf[i + 8] | (buf[i + 9] << 8) | (buf[i + 10] << 16) | (buf[i + 11] << 24);
      k4 = buf[i + 12] | (buf[i + 13] << 8) | (buf[i + 14] << 16) | (buf[i + 15] << 24);
    }
    k1 = Math.imul(k1, C1); k1 = rotl(k1, 15); k1 = Math.imul(k1, C2); h1 ^= k1;
    h1 = rotl(h1, 19); h1 = (h1 + h2) | 0; h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(k2, C2); k2 = rotl(k2, 16); k2 = Math.imul(k2, C3); h2 ^= k2;
    h2 = rotl(h2, 17); h2 = (h2 + h3) | 0; h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(k3, C3); k3 = rotl(k3, 17); k3 = Math.imul(k3, C4); h3 ^= k3;
    h3 = rotl(h3, 15); h3 = (h3 + h4) | 0; h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(k4, C4); k4 = rotl(k4, 18); k4 = Math.imul(k4, C1); h4 ^= k4;
    h4 = rotl(h4, 13); h4 = (h4 + h1) | 0; h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }
  const tail = len & 15;
  if (tail) {
    // zero-padded tail: the same words the reference's fall-through switch builds
    TAIL.fill(0);
    for (let j = 0; j < tail; j++) TAIL[j] = buf[i + j];
    let k1 = TAIL[0] | (TAIL[1] << 8) | (TAIL[2] << 16) | (TAIL[3] << 24);
    let k2 = TAIL[4] | (TAIL[5] << 8) | (TAIL[6] << 16) | (TAIL[7] << 24);
    let k3 = TAIL[8] | (TAIL[9] << 8) | (TAIL[10] << 16) | (TAIL[11] << 24);
    let k4 = TAIL[12] | (TAIL[13] << 8) | (TAIL[14] << 16);
    if (tail > 12) { k4 = Math.imul(k4, C4); k4 = rotl(k4, 18); k4 = Math.imul(k4, C1); h4 ^= k4; }
    if (tail > 8) { k3 = Math.imul(k3, C3); k3 = rotl(k3, 17); k3 = Math.imul(k3, C4); h3 ^= k3; }
    if (tail > 4) { k2 = Math.imul(k2, C2); k2 = rotl(k2, 16); k2 = Math.imul(k2, C3); h2 ^= k2; }
    k1 = Math.imul(k1, C1); k1 = rotl(k1, 15); k1 = Math.imul(k1, C2); h1 ^= k1;
  }
  h1 ^= len; h2 ^= len; h3 ^= len; h4 ^= len;
  h1 = (h1 + h2) | 0; h1 = (h1 + h3) | 0; h1 = (h1 + h4) | 0;
  h2 = (h2 + h1) | 0; h3 = (h3 + h1) | 0; h4 = (h4 + h1) | 0;
  h1 = fmix(h1); h2 = fmix(h2); h3 = fmix(h3); h4 = fmix(h4);
  h1 = (h1 + h2) | 0; h1 = (h1 + h3) | 0; h1 = (h1 + h4) | 0;
  h2 = (h2 + h1) | 0; h3 = (h3 + h1) | 0; h4 = (h4 + h1) | 0;
  out[0] = h1; out[1] = h2; out[2] = h3; out[3] = h4;
}
