import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DaySeries, keyOf, slotOfKey } from './day-series.ts';
import { WordPool } from './word-pool.ts';

const fcParams = { seed: 20_261_123, numRuns: 150, verbose: 1 } as const;

/** Adds on a few days and slots, in any order (so inserts land before, between and after entries). */
const addsOf = (
  a: fc.Arbitrary<number>,
  b: fc.Arbitrary<number>,
  day: fc.Arbitrary<number> = fc.integer({ min: 19_000, max: 19_040 }),
  slot: fc.Arbitrary<number> = fc.nat(5),
) => fc.array(fc.tuple(day, slot, a, b), { maxLength: 300 });
/** Any steps: negative ones widen a series at once. */
const anyAdds = addsOf(fc.integer({ min: -3, max: 9 }), fc.integer({ min: -50, max: 500 }));
/**
 * Steps as activity gives them, a count of ±1 and whole turns, with now and then turns past 2^32 or a
 * fractional share (an as-is split's): a series stays narrow until one of those, or a sum below 0, comes.
 */
const countAdds = addsOf(
  fc.oneof({ weight: 8, arbitrary: fc.constantFrom(1, -1) }, fc.constant(0)),
  fc.oneof(
    { weight: 30, arbitrary: fc.nat(400) },
    fc.integer({ min: 2 ** 32 - 3, max: 2 ** 32 + 3 }),
    fc.constant(0.25),
  ),
);
/**
 * Steps around the tiny layout's bounds: counts near 2^10, turns near 2^19, now and then a day past 2^16 or
 * a slot past 2^8 (whose key no tiny word holds).
 */
const tinyEdgeAdds = addsOf(
  fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, -1) }, fc.integer({ min: 1_020, max: 1_030 })),
  fc.oneof({ weight: 6, arbitrary: fc.nat(400) }, fc.integer({ min: 2 ** 19 - 3, max: 2 ** 19 + 3 })),
  fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 19_000, max: 19_040 }) }, fc.constant(2 ** 16)),
  fc.oneof({ weight: 20, arbitrary: fc.nat(5) }, fc.constant(256)),
);
/**
 * Activity as corrections leave it: steps, then some of them taken back whole (a count of -1 and the same
 * turns), so entries fall back to (0, 0) while the series can stay tiny.
 */
const retractingAdds = fc
  .array(
    fc.tuple(
      fc.integer({ min: 19_000, max: 19_040 }),
      fc.nat(5),
      fc.integer({ min: 1, max: 3 }),
      fc.nat(400),
      fc.boolean(),
    ),
    { maxLength: 150 },
  )
  .map((steps) => [
    ...steps.map(([day, slot, a, b]) => [day, slot, a, b] as [number, number, number, number]),
    ...steps
      .filter((s) => s[4])
      .map(([day, slot, a, b]) => [day, slot, -a, -b] as [number, number, number, number]),
  ]);

/** The layout a series must be in once a cell has held `v`: the narrowest that held every value so far. */
const layoutOf = (day: number, slot: number, v: readonly [number, number]): 1 | 2 | 3 => {
  const whole = v.every(Number.isInteger) && v[0] >= 0 && v[1] >= 0;
  if (whole && day < 2 ** 16 && slot < 2 ** 8 && v[0] < 2 ** 10 && v[1] < 2 ** 19) return 1;
  return whole && v[0] < 2 ** 21 && v[1] < 2 ** 32 ? 2 : 3;
};

describe('DaySeries', () => {
  it.each([
    ['any steps', anyAdds],
    ['activity steps', countAdds],
    ['steps around the tiny bounds', tinyEdgeAdds],
    ['steps and retractions', retractingAdds],
  ])(
    'sums, reads and walks like a map from (day, slot) to two numbers, and round-trips through its data (%s)',
    (_, adds) => {
      fc.assert(
        fc.property(
          adds,
          fc.integer({ min: 19_000, max: 19_040 }),
          fc.nat(40),
          fc.nat(63),
          (ops, from, span, maskBits) => {
            const series = new DaySeries();
            const model = new Map<number, [number, number]>();
            let layout = 1;
            for (const [day, slot, a, b] of ops) {
              const key = keyOf(day, slot);
              series.add(key, a, b);
              const m = model.get(key) ?? [0, 0];
              const v: [number, number] = [m[0] + a, m[1] + b];
              model.set(key, v);
              layout = Math.max(layout, layoutOf(day, slot, v));
            }
            const mask = Uint8Array.from({ length: 6 }, (_, s) => (maskBits >> s) & 1);
            const fromKey = keyOf(from, 0);
            const toKey = keyOf(from + span + 1, 0) - 1;
            // Tiny (8 bytes an entry), then narrow (16), exactly while no entry ever held a value the
            // layout cannot.
            expect(series.stride).toBe(layout);
            for (const s of [series, DaySeries.fromData(series.toData().slice(), series.stride)]) {
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
                // A range that starts and ends on the entry's own key holds it.
                out.fill(0);
                expect(s.sumRange(k, k, null, out)).toBe(1);
                expect([...out]).toEqual(v);
              }
              const live = [...model].filter(([, v]) => v[0] !== 0 || v[1] !== 0).map(([k]) => k);
              expect(s.lastLiveKey).toBe(live.length === 0 ? Number.NaN : Math.max(...live));
            }
          },
        ),
        fcParams,
      );
    },
  );

  it('holds the same entries when many series share a pool as when each has arrays of its own', () => {
    const ops = fc.array(
      fc.tuple(
        fc.nat(5),
        fc.oneof(anyAdds, countAdds, tinyEdgeAdds, retractingAdds).map((adds) => adds.slice(0, 40)),
        fc.boolean(),
      ),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(ops, fc.nat(40), (steps, repackAt) => {
        // Small chunks, so series outgrow the pool's blocks, give them back and take others' given back.
        const pool = new WordPool<Float64Array>((n) => new Float64Array(n), 256);
        const pooled = Array.from({ length: 6 }, () => new DaySeries(pool));
        const own = Array.from({ length: 6 }, () => new DaySeries());
        for (const [step, [i, adds, compact]] of steps.entries()) {
          if (step === repackAt) {
            // Every series moves to a new pool and leaves nothing in the old one.
            const next = new WordPool<Float64Array>((n) => new Float64Array(n), 256);
            for (const s of pooled) s.moveTo(next);
            for (const s of pooled) expect(pool.owns(s.toData())).toBe(false);
          }
          for (const [day, slot, a, b] of adds) {
            pooled[i]!.add(keyOf(day, slot), a, b);
            own[i]!.add(keyOf(day, slot), a, b);
          }
          if (compact) {
            pooled[i]!.compact();
            own[i]!.compact();
          }
        }
        pooled.forEach((s, i) => {
          expect(s.stride).toBe(own[i]!.stride);
          expect([...s.toData()]).toEqual([...own[i]!.toData()]);
          expect(s.zeros).toBe(own[i]!.zeros);
        });
      }),
      fcParams,
    );
  });

  it('counts the entries holding (0, 0), and compacting removes exactly those, keeping every sum', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyAdds, countAdds, tinyEdgeAdds, retractingAdds),
        fc.nat(300),
        (ops, compactAt) => {
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
          expect(DaySeries.fromData(series.toData().slice(), series.stride).zeros).toBe(zeroKeys.length);
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
        },
      ),
      fcParams,
    );
  });

  it('keeps a unit’s activity in 8 bytes an entry, widening to 16 at a count of 2^10, turns of 2^19, a day past 2^16 or a slot past 2^8', () => {
    const series = new DaySeries();
    for (let day = 0; day < 100; day++) series.add(keyOf(19_000 + day, day % 3), 1, 2 ** 19 - 1 - day);
    expect(series.stride).toBe(1);
    expect(series.toData().length).toBe(100);
    const out = new Float64Array(2);
    // Bounds that are no entry's key (the last slot of a day) and a mask.
    expect(series.sumRange(keyOf(19_001, 0), keyOf(19_003, 0) - 1, null, out)).toBe(2);
    expect([...out]).toEqual([2, 2 * (2 ** 19 - 1) - 3]);
    out.fill(0);
    expect(series.sumRange(-Infinity, Infinity, Uint8Array.of(0, 0, 1), out)).toBe(33);
    expect(out[0]).toBe(33);
    series.add(keyOf(19_010, 1), 1_022, -(2 ** 19 - 11));
    expect(series.stride).toBe(1);
    expect(series.zeros).toBe(0);
    series.get(keyOf(19_010, 1), out);
    expect([...out]).toEqual([1_023, 0]);
    series.add(keyOf(19_010, 1), 1, 0);
    expect(series.stride).toBe(2);
    series.get(keyOf(19_010, 1), out);
    expect([...out]).toEqual([1_024, 0]);
    series.get(keyOf(19_099, 0), out);
    expect([...out]).toEqual([1, 2 ** 19 - 100]);
    expect(series.length).toBe(100);
    expect(series.lastLiveKey).toBe(keyOf(19_099, 0));
    for (const [day, slot, a, b] of [
      [19_001, 0, 0, 2 ** 19],
      [2 ** 16, 0, 1, 1],
      [-1, 0, 1, 1],
      [19_001, 2 ** 8, 1, 1],
    ] as const) {
      const s = new DaySeries();
      s.add(keyOf(19_000, 0), 1, 1);
      s.add(keyOf(day, slot), a, b);
      expect(s.stride).toBe(2);
      s.get(keyOf(day, slot), out);
      expect([...out]).toEqual([a, b]);
      s.get(keyOf(19_000, 0), out);
      expect([...out]).toEqual([1, 1]);
    }
  });

  it('keeps activity steps in 16 bytes an entry, widening for good at the first value the narrow layout cannot hold', () => {
    const series = new DaySeries();
    for (let day = 0; day < 100; day++) series.add(keyOf(19_000 + day, day % 3), 1, 2 ** 32 - 1 - day);
    series.add(keyOf(19_050, 2), -1, -(2 ** 32 - 1 - 50));
    expect(series.stride).toBe(2);
    expect(series.toData().length).toBe(200);
    expect(series.zeros).toBe(1);
    const out = new Float64Array(2);
    expect(series.sumRange(keyOf(19_000, 0), keyOf(19_002, 2), null, out)).toBe(3);
    // Unpacked entry by entry: three turns just under 2^32 sum past it without carrying into the counts.
    expect([...out]).toEqual([3, 3 * (2 ** 32 - 1) - 3]);
    // The same cell again, past 2^32: the series widens and keeps every value exact.
    series.add(keyOf(19_001, 1), 0, 5);
    expect(series.stride).toBe(3);
    series.get(keyOf(19_001, 1), out);
    expect([...out]).toEqual([1, 2 ** 32 - 2 + 5]);
    series.get(keyOf(19_099, 0), out);
    expect([...out]).toEqual([1, 2 ** 32 - 100]);
    expect(series.length).toBe(100);
    expect(series.zeros).toBe(1);
    // A fractional share or a negative step widens a new series too.
    for (const [a, b] of [
      [0.5, 1],
      [-1, 0],
      [2 ** 21, 0],
    ] as const) {
      const s = new DaySeries();
      s.add(keyOf(19_000, 0), 1, 1);
      s.add(keyOf(19_001, 0), a, b);
      expect(s.stride).toBe(3);
      s.get(keyOf(19_001, 0), out);
      expect([...out]).toEqual([a, b]);
    }
  });

  it('refuses data that is not whole entries of its stride, or words that are not tiny words or narrow pairs', () => {
    expect(() => DaySeries.fromData(new Float64Array(4), 3)).toThrow(/not a whole number of entries/);
    expect(() => DaySeries.fromData(new Float64Array(3), 2)).toThrow(/not a whole number of entries/);
    expect(() => DaySeries.fromData(new Float64Array(4), 4)).toThrow(/entries of 4 words/);
    expect(() => DaySeries.fromData(Float64Array.from([keyOf(19_000, 0), -1]), 2)).toThrow(
      /entry 0 holds -1, not a narrow pair/,
    );
    expect(() => DaySeries.fromData(Float64Array.from([keyOf(19_000, 0), 0.5]), 2)).toThrow(
      /not a narrow pair/,
    );
    expect(DaySeries.fromData(Float64Array.from([keyOf(19_000, 0), 0]), 2).zeros).toBe(1);
    for (const w of [-1, 0.5, 2 ** 53])
      expect(() => DaySeries.fromData(Float64Array.of(w), 1)).toThrow(`entry 0 is ${w}, not a tiny word`);
    expect(DaySeries.fromData(Float64Array.of(0, 2 ** 29, 2 ** 29 + 1), 1).zeros).toBe(2);
  });
});
