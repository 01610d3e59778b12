import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DaySeries, keyOf, slotOfKey } from './day-series.ts';

const fcParams = { seed: 20_261_123, numRuns: 150, verbose: 1 } as const;

/** Adds on a few days and slots, in any order (so inserts land before, between and after entries). */
const adds = fc.array(
  fc.tuple(
    fc.integer({ min: 19_000, max: 19_040 }),
    fc.nat(5),
    fc.integer({ min: -3, max: 9 }),
    fc.integer({ min: -50, max: 500 }),
  ),
  { maxLength: 300 },
);

describe('DaySeries', () => {
  it('sums, reads and walks like a map from (day, slot) to two numbers, and round-trips through its data', () => {
    fc.assert(
      fc.property(
        adds,
        fc.integer({ min: 19_000, max: 19_040 }),
        fc.nat(40),
        fc.nat(63),
        (ops, from, span, maskBits) => {
          const series = new DaySeries();
          const model = new Map<number, [number, number]>();
          for (const [day, slot, a, b] of ops) {
            const key = keyOf(day, slot);
            series.add(key, a, b);
            const m = model.get(key) ?? [0, 0];
            model.set(key, [m[0] + a, m[1] + b]);
          }
          const mask = Uint8Array.from({ length: 6 }, (_, s) => (maskBits >> s) & 1);
          const fromKey = keyOf(from, 0);
          const toKey = keyOf(from + span + 1, 0) - 1;
          for (const s of [series, DaySeries.fromData(series.toData().slice())]) {
            expect(s.length).toBe(model.size);
            const out = new Float64Array(2);
            const inRange = [...model].filter(
              ([k]) => k >= fromKey && k <= toKey && mask[slotOfKey(k)] === 1,
            );
            expect(s.sumRange(fromKey, toKey, mask, out)).toBe(inRange.length);
            expect([...out]).toEqual([
              inRange.reduce((t, [, v]) => t + v[0], 0),
              inRange.reduce((t, [, v]) => t + v[1], 0),
            ]);
            const walked: [number, number, number][] = [];
            s.forEachInRange(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, (k, a, b) =>
              walked.push([k, a, b]),
            );
            expect(walked).toEqual([...model].sort((x, y) => x[0] - y[0]).map(([k, v]) => [k, v[0], v[1]]));
            for (const [k, v] of model) {
              s.get(k, out);
              expect([...out]).toEqual(v);
            }
            const live = [...model].filter(([, v]) => v[0] !== 0 || v[1] !== 0).map(([k]) => k);
            expect(s.lastLiveKey).toBe(live.length === 0 ? Number.NaN : Math.max(...live));
          }
        },
      ),
      fcParams,
    );
  });

  it('counts the entries holding (0, 0), and compacting removes exactly those, keeping every sum', () => {
    fc.assert(
      fc.property(adds, fc.nat(300), (ops, compactAt) => {
        const series = new DaySeries();
        const model = new Map<number, [number, number]>();
        ops.forEach(([day, slot, a, b], i) => {
          const key = keyOf(day, slot);
          series.add(key, a, b);
          const m = model.get(key) ?? [0, 0];
          model.set(key, [m[0] + a, m[1] + b]);
          // Compacting mid-way drops the zero entries from the model too: later adds recreate them.
          if (i === compactAt) {
            series.compact();
            for (const [k, v] of model) if (v[0] === 0 && v[1] === 0) model.delete(k);
          }
        });
        const zeroKeys = [...model].filter(([, v]) => v[0] === 0 && v[1] === 0).map(([k]) => k);
        expect(series.zeros).toBe(zeroKeys.length);
        expect(DaySeries.fromData(series.toData().slice()).zeros).toBe(zeroKeys.length);
        series.compact();
        expect(series.zeros).toBe(0);
        const live = [...model].filter(([, v]) => v[0] !== 0 || v[1] !== 0).sort((x, y) => x[0] - y[0]);
        const walked: [number, number, number][] = [];
        series.forEachInRange(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, (k, a, b) =>
          walked.push([k, a, b]),
        );
        expect(walked).toEqual(live.map(([k, v]) => [k, v[0], v[1]]));
        // Still a working series after the array was given back: adds land in order.
        series.add(keyOf(19_020, 0), 1, 1);
        series.add(keyOf(18_999, 0), 1, 1);
        expect(series.length).toBe(live.length + (live.some(([k]) => k === keyOf(19_020, 0)) ? 1 : 2));
      }),
      fcParams,
    );
  });

  it('refuses data that is not whole (key, a, b) triples', () => {
    expect(() => DaySeries.fromData(new Float64Array(4))).toThrow(/not a whole number of entries/);
  });
});
