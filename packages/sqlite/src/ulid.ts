import { getRandomValues } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_DIGITS = 16;
const MAX_TIME = 2 ** 48 - 1;

/**
 * Makes ULIDs that strictly increase within this process, like the `ulid` package's `monotonicFactory`:
 * within one millisecond (or if the clock steps back) the random part is incremented instead of redrawn.
 */
export const monotonicUlid = (now: () => number = Date.now): (() => string) => {
  let lastTime = -1;
  let timePart = '';
  // One base-32 digit per byte (0–31); 256 is a multiple of 32, so masking a random byte stays uniform.
  const random = new Uint8Array(RANDOM_DIGITS);
  return () => {
    const time = now();
    if (time > lastTime) {
      if (!Number.isInteger(time) || time > MAX_TIME) throw new RangeError(`cannot encode time ${time}`);
      lastTime = time;
      timePart = encodeTime(time);
      getRandomValues(random);
      for (let i = 0; i < RANDOM_DIGITS; i++) random[i]! &= 31;
    } else {
      increment(random);
    }
    let out = timePart;
    for (let i = 0; i < RANDOM_DIGITS; i++) out += CROCKFORD[random[i]!];
    return out;
  };
};

const encodeTime = (time: number): string => {
  let out = '';
  let t = time;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  return out;
};

const increment = (digits: Uint8Array): void => {
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i]! < 31) {
      digits[i]! += 1;
      return;
    }
    digits[i] = 0;
  }
  throw new RangeError('ULID random part overflowed within one millisecond');
};
