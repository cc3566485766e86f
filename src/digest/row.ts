// Row digests over canonical bytes, and the 128-bit additive sums segments are made of.
import { murmur3x86_128 } from './murmur3';

/** murmur3 seed of every row digest ("pari"); the fused path (./fused) uses the same. */
export const ROW_SEED = 0x70617269;

/** Hashes a row's canonical values (length-prefixed, so column boundaries count). */
export class RowHasher {
  private scratch = Buffer.allocUnsafe(1 << 16);
  readonly out = new Uint32Array(4);

  /** Digest of the values; the result lives in `this.out` until the next call. */
  digest(values: Buffer[]): Uint32Array {
    let need = 0;
    for (const v of values) need += 4 + v.length;
    if (need > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(need, this.scratch.length * 2));
    const s = this.scratch;
    let o = 0;
    for (const v of values) {
      s.writeUInt32LE(v.length, o);
      o += 4;
      o += v.copy(s, o);
    }
    murmur3x86_128(s, o, ROW_SEED, this.out);
    return this.out;
  }

  /** A short digest of one value (refinement compares columns in-process; this is for reports). */
  hex(values: Buffer[]): string {
    const d = this.digest(values);
    return Array.from(d, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
  }
}

/** Sum of 128-bit digests mod 2^128 in four 32-bit lanes (no BigInt on the hot path). */
export class Sum128 {
  private w = [0, 0, 0, 0];
  n = 0;

  static fromHex(hex: string, n = 0): Sum128 {
    const s = new Sum128();
    // hex is big-endian: lane 3 is the most significant
    for (let i = 0; i < 4; i++) s.w[3 - i] = parseInt(hex.slice(i * 8, i * 8 + 8), 16);
    s.n = n;
    return s;
  }

  add(d: Uint32Array): void {
    let carry = 0;
    for (let i = 0; i < 4; i++) {
      const t = this.w[i] + (d[i] >>> 0) + carry;
      this.w[i] = t >>> 0;
      carry = t > 0xffffffff ? 1 : 0;
    }
    this.n++;
  }

  toHex(): string {
    let out = '';
    for (let i = 3; i >= 0; i--) out += (this.w[i] >>> 0).toString(16).padStart(8, '0');
    return out;
  }
}
