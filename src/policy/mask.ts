// Masking on canonical bytes, inside the process that read the value: tokenize = keyed
// HMAC-SHA-256, so equal canonical values give equal tokens on both sides and masked
// columns are still compared; plain values never leave this process.
import { createHash, createHmac } from 'node:crypto';

export const MASK_KEY_ENV = 'PARITY_MASK_KEY';
const MASKED_TAG = Buffer.from([0x4d]); // 'M'

export function maskKeyFromEnv(): Buffer | undefined {
  const v = process.env[MASK_KEY_ENV];
  return v ? Buffer.from(v, 'utf8') : undefined;
}

/** Proves two workers hold the same key without revealing it. */
export function maskKeyFingerprint(key: Buffer): string {
  return createHash('sha256').update('parity-mask-key-fingerprint\0').update(key).digest('hex').slice(0, 16);
}

export function tokenize(key: Buffer, canonical: Buffer): Buffer {
  return Buffer.concat([MASKED_TAG, createHmac('sha256', key).update(canonical).digest()]);
}

/** The token as shown wherever a value would be (manifest keys). */
export function tokenText(key: Buffer, canonical: Buffer): string {
  return 'tok:' + createHmac('sha256', key).update(canonical).digest('hex');
}
