import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayFromDate } from '../time/civil.ts';
import { keyOf, slotOfKey } from './day-series.ts';
import { firstDayOfMonthIndex, monthIndexOfDay, RollupSeries } from './rollup-series.ts';

const fcParams = { seed: 20_261_204, numRuns: 200, verbose: 1 } as const;

/** Days over five months around a leap February (2024-01-15 … 2024-06-12), so ranges cross month ends. */
const FIRST = dayFromDate('2024-01-15');
const LAST = dayFromDate('2024-06-12');
const day = fc.integer({ min: FIRST, max: LAST });
/** Month ends and starts in that span, where a range's partial months begin and end. */
const edges = ['01-31', '02-01', '02-29', '03-01', '03-31', '04-01', '04-30', '05-01', '05-31', '06-01'].map(
  (md) => dayFromDate(`2024-${md}`),
);
const rangeDay = fc.oneof(day, fc.constantFrom(...edges));

const adds = fc.array(
  fc.tuple(
    fc.oneof(day, fc.constantFrom(...edges)),
    fc.nat(5),
    fc.integer({ min: -3, max: 9 }),
    fc.integer({ min: -50, max: 500 }),
  ),
  {
    maxLength: 300,
  },
);

describe('RollupSeries', () => {
  it('sums any day range as the day entries alone would, reading whole months from the month entries', () => {
    fc.assert(
      fc.property(adds, rangeDay, rangeDay, fc.nat(63), (ops, x, y, maskBits) => {
        const [from, to] = x <= y ? [x, y] : [y, x];
        const series = new RollupSeries();
        const model = new Map<number, [number, number]>();
        for (const [d, slot, a, b] of ops) {
          const key = keyOf(d, slot);
          series.add(key, a, b);
          const m = model.get(key) ?? [0, 0];
          model.set(key, [m[0] + a, m[1] + b]);
        }
        const mask = Uint8Array.from({ length: 6 }, (_, s) => (maskBits >> s) & 1);
        const inRange = [...model].filter(
          ([k]) => k >= keyOf(from, 0) && k < keyOf(to + 1, 0) && mask[slotOfKey(k)] === 1,
        );
        const out = new Float64Array(2);
        const matched = series.sumDays(from, to, mask, out);
        expect(matched > 0).toBe(inRange.length > 0);
        expect([...out]).toEqual([
          inRange.reduce((t, [, v]) => t + v[0], 0),
          inRange.reduce((t, [, v]) => t + v[1], 0),
        ]);
        // The same with every slot, and from the far past (how stocks read it).
        const all = new Float64Array(2);
        series.sumDays(-1_000_000, to, null, all);
        const upTo = [...model].filter(([k]) => k < keyOf(to + 1, 0));
        expect(all[0]).toBe(upTo.reduce((t, [, v]) => t + v[0], 0));
      }),
      fcParams,
    );
  });

  it('finds the first day of any month, before 1900 too, as the inverse of the month of a day', () => {
    fc.assert(
      fc.property(fc.integer({ min: -12 * 100, max: 12 * 300 }), (m) => {
        const first = firstDayOfMonthIndex(m);
        expect(monthIndexOfDay(first)).toBe(m);
        expect(monthIndexOfDay(first - 1)).toBe(m - 1);
      }),
      fcParams,
    );
  });

  it('keeps one month entry per (month, slot) touched, holding the month’s sums', () => {
    const series = new RollupSeries();
    series.add(keyOf(dayFromDate('2024-02-28'), 1), 1, 10);
    series.add(keyOf(dayFromDate('2024-02-29'), 1), 2, 20);
    series.add(keyOf(dayFromDate('2024-03-01'), 1), 4, 40);
    series.add(keyOf(dayFromDate('2024-02-29'), 2), 8, 80);
    expect(series.days.length).toBe(4);
    const feb = monthIndexOfDay(dayFromDate('2024-02-10'));
    expect(firstDayOfMonthIndex(feb)).toBe(dayFromDate('2024-02-01'));
    expect(firstDayOfMonthIndex(feb + 1)).toBe(dayFromDate('2024-03-01'));
    const months: number[][] = [];
    series.months.forEachInRange(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, (k, a, b) =>
      months.push([k, a, b]),
    );
    expect(months).toEqual([
      [keyOf(feb, 1), 3, 30],
      [keyOf(feb, 2), 8, 80],
      [keyOf(feb + 1, 1), 4, 40],
    ]);
  });
});
