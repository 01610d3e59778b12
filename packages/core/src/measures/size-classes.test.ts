import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PeopleArena } from './people-arena.ts';
import { classOfSize, LAST_CLASS, sizeOfClass } from './size-classes.ts';

const fcParams = { seed: 20_261_206, numRuns: 200, verbose: 1 } as const;

describe('size classes', () => {
  it('come four to a doubling, as whole numbers below 2^31, up to the last', () => {
    expect(Array.from({ length: 10 }, (_, c) => sizeOfClass(c))).toEqual([4, 5, 6, 7, 8, 10, 12, 14, 16, 20]);
    for (let c = 1; c <= LAST_CLASS; c++) {
      expect(Number.isInteger(sizeOfClass(c)) && sizeOfClass(c) > sizeOfClass(c - 1)).toBe(true);
    }
    expect(sizeOfClass(LAST_CLASS)).toBe(7 * 2 ** 28);
    expect(sizeOfClass(LAST_CLASS + 1)).toBeUndefined();
  });

  it('give each size the smallest class that holds it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: sizeOfClass(LAST_CLASS) }), (size) => {
        const c = classOfSize(size);
        expect(sizeOfClass(c)).toBeGreaterThanOrEqual(size);
        if (c > 0) expect(sizeOfClass(c - 1)).toBeLessThan(size);
      }),
      fcParams,
    );
  });

  it('bound the people arena: a threshold whose table would pass the last class is refused', () => {
    expect(() => new PeopleArena(() => new Uint32Array(0), { threshold: 2 ** 31 })).toThrow(
      'PeopleArena threshold 2147483648 needs tables too large to hold',
    );
  });
});
