import { describe, expect, it } from 'vitest';
import { monotonicUlid } from './ulid.ts';

const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

describe('monotonicUlid', () => {
  it('encodes the time in the first ten characters', () => {
    const id = monotonicUlid(() => 1_469_918_176_385)();
    expect(id).toMatch(ULID);
    expect(id.slice(0, 10)).toBe('01ARYZ6S41');
  });

  it('strictly increases within one millisecond and when the clock steps back', () => {
    let t = 1_700_000_000_000;
    const next = monotonicUlid(() => t);
    const ids: string[] = [];
    for (let i = 0; i < 1_000; i++) {
      if (i === 500) t -= 10_000;
      if (i === 800) t += 20_000;
      ids.push(next());
    }
    for (const id of ids) expect(id).toMatch(ULID);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses a time that does not fit in 48 bits', () => {
    expect(() => monotonicUlid(() => 2 ** 48)()).toThrow(RangeError);
  });
});
