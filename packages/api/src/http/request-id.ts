import { randomFillSync } from 'node:crypto';

/**
 * Request ids: ULIDs (48-bit millisecond time, 80 random bits, Crockford base32), made without the `ulid`
 * package's per-call cost. `ulid()` looks its random source up again on every call and then asks the OS for
 * one byte per character (16 calls to getRandomValues per id), which was most of the API's time per request.
 * This draws the same 80 bits of OS randomness from a pool filled in blocks, and encodes the time part once
 * per millisecond.
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_CHARS = 16;
/** Ids per refill of the pool (one byte of the pool per random character, 5 bits of it used). */
const POOL_IDS = 256;

const pool = new Uint8Array(RANDOM_CHARS * POOL_IDS);
let offset = pool.length;
let lastMs = -1;
let timePart = '';

const encodeTime = (ms: number): string => {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32]! + out;
    ms = Math.floor(ms / 32);
  }
  return out;
};

/** A new ULID for a request, e.g. `01HNZXD07M5CEN5XA66EMZSRZW`. */
export const newRequestId = (now: number = Date.now()): string => {
  if (now !== lastMs) {
    lastMs = now;
    timePart = encodeTime(now);
  }
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  let out = timePart;
  for (const end = offset + RANDOM_CHARS; offset < end; offset++) out += ALPHABET[pool[offset]! & 31];
  return out;
};
