import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addToRegisters, HyperLogLog } from '../measures/hyperloglog.ts';
import { DayRegisters, type DayRegistersState } from './day-registers.ts';

const fcParams = { seed: 20_261_206, numRuns: 200, verbose: 1 } as const;

/** Precision 6: 64 registers a day, kept whole from 11 distinct registers on, so both forms are met often. */
const P = 6;
const M = 2 ** P;
const RECORDS = 3;

/** An add: a record, a day (most on a few busy days, so some cross into the whole form), a hash. */
const add = fc.tuple(
  fc.nat(RECORDS - 1),
  fc.oneof(fc.constantFrom(0, 1, 30), fc.nat(30)),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
);
type Add = [record: number, day: number, hash: number];

/** The reference: every record's 31 days as whole registers. */
const model = () => Array.from({ length: RECORDS }, () => new Uint8Array(31 * M));

const roundTrip = (days: DayRegisters): DayRegisters => {
  const restored = new DayRegisters(P);
  restored.importState(days.exportState(), RECORDS);
  return restored;
};

/** Each record's registers over every run of days that starts on 0, 1, 13 or 29, against the model's. */
const expectSame = (days: DayRegisters, reference: Uint8Array[]) => {
  for (let r = 0; r < RECORDS; r++) {
    const month = days.get(r);
    for (const from of [0, 1, 13, 29]) {
      for (const to of [from, from + 1, 30]) {
        const got = new HyperLogLog(P);
        if (month !== undefined) days.mergeDays(month, from, to, got);
        const want = new HyperLogLog(P);
        for (let d = from; d <= to; d++) want.mergeRegisters(reference[r]!, d * M);
        expect(got.toBytes(), `record ${r}, days ${from}–${to}`).toEqual(want.toBytes());
      }
    }
  }
};

/** Each record's days are views of one buffer, each sparse day cut to what it holds. */
const expectLaidOut = (days: DayRegisters) => {
  for (let r = 0; r < RECORDS; r++) {
    const month = days.get(r);
    if (month === undefined) continue;
    const buffers = new Set([...month.dense, ...month.sparse].flatMap((a) => (a ? [a.buffer] : [])));
    expect(buffers.size, `record ${r}`).toBeLessThanOrEqual(1);
    month.sparse.forEach((entries, d) => {
      if (entries) expect(entries.length, `record ${r}, day ${d}`).toBe(month.used[d]);
    });
  }
};

const apply = (days: DayRegisters, reference: Uint8Array[], adds: readonly Add[]) => {
  for (const [r, d, hash] of adds) {
    days.add(days.get(r) ?? days.reset(r), d, hash);
    addToRegisters(reference[r]!, d * M, P, hash);
  }
};

describe('DayRegisters', () => {
  it('answers any run of days as whole registers would, sparse or whole, through checkpoints taken midway', () => {
    fc.assert(
      fc.property(fc.array(add, { maxLength: 300 }), fc.array(add, { maxLength: 100 }), (first, then) => {
        const days = new DayRegisters(P);
        const reference = model();
        apply(days, reference, first);
        expectSame(days, reference);
        // Restored (views of the checkpoint's arrays), then added to like the original.
        const restored = roundTrip(days);
        expectSame(restored, reference);
        const twin = reference.map((registers) => registers.slice());
        apply(days, reference, then);
        apply(restored, twin, then);
        expectSame(days, reference);
        expectSame(restored, reference);
        expect(restored.exportState()).toEqual(days.exportState());
      }),
      fcParams,
    );
  });

  it('lays a record out in one buffer at idle, answering and checkpointing as before, and grows again after', () => {
    fc.assert(
      fc.property(
        fc.array(add, { maxLength: 300 }),
        fc.array(add, { maxLength: 100 }),
        fc.array(add, { maxLength: 100 }),
        (first, then, last) => {
          const days = new DayRegisters(P);
          const reference = model();
          apply(days, reference, first);
          const before = days.exportState();
          const bytes = days.byteLength;
          const saved = days.compact();
          expect(days.byteLength).toBe(bytes - saved);
          expect(days.exportState()).toEqual(before);
          expectSame(days, reference);
          expectLaidOut(days);
          // Laid out already: nothing more to give back.
          expect(days.compact()).toBe(0);
          // Added to (days outgrow their views), laid out again, added to again.
          apply(days, reference, then);
          expectSame(days, reference);
          days.compact();
          expectLaidOut(days);
          expectSame(days, reference);
          apply(days, reference, last);
          expectSame(days, reference);
          const fresh = new DayRegisters(P);
          apply(fresh, model(), [...first, ...then, ...last]);
          expect(days.exportState()).toEqual(fresh.exportState());
        },
      ),
      fcParams,
    );
  });

  it('writes the same checkpoint whatever order the people came in', () => {
    fc.assert(
      fc.property(fc.array(add, { maxLength: 300 }), fc.nat(), (adds, seed) => {
        const days = new DayRegisters(P);
        apply(days, model(), adds);
        // The same adds, the records met in the same order, each record's adds shuffled.
        const shuffled = adds
          .map((a, i) => ({ a, key: (Math.imul(i + 1, 0x9e3779b1) ^ seed) >>> 0 }))
          .sort((x, y) => x.key - y.key)
          .map(({ a }) => a);
        const firstSeen = [...new Set(adds.map(([r]) => r))];
        const other = new DayRegisters(P);
        for (const r of firstSeen) other.reset(r);
        apply(other, model(), shuffled);
        expect(other.exportState()).toEqual(days.exportState());
        // Refilled a record at a time through whole registers, as the idle refresh refills a month.
        const refilled = new DayRegisters(P);
        for (const r of firstSeen) {
          const scratch = refilled.scratch();
          for (const [record, d, hash] of shuffled) if (record === r) refilled.addWhole(scratch, d, hash);
          refilled.commit(r, scratch);
        }
        expect(refilled.exportState()).toEqual(days.exportState());
        const reference = model();
        for (const [r, d, hash] of adds) addToRegisters(reference[r]!, d * M, P, hash);
        expectSame(refilled, reference);
      }),
      fcParams,
    );
  });

  it('writes a day kept whole in one order and still sparse in another as the same whole registers', () => {
    // Register i's hash: its index in the top 6 bits. Eleven registers after one seven times (the seventh
    // add fills the first 8 entries twice over, so the day is sorted and goes on with room: it ends sparse
    // with 12 entries), or the seven last (the day is sorted full at the 13th add, 12 registers: whole).
    const hash = (i: number) => ((i << 26) | 1) >>> 0;
    const a = Array.from({ length: 7 }, () => hash(0));
    const others = Array.from({ length: 11 }, (_, i) => hash(i + 1));
    const [sparseFirst, wholeFirst] = [
      [...a, ...others],
      [...others, ...a],
    ].map((hashes) => {
      const days = new DayRegisters(P);
      const month = days.reset(0);
      for (const h of hashes) days.add(month, 4, h);
      return { days, month };
    });
    expect(sparseFirst!.month.dense[4]).toBeUndefined();
    expect(wholeFirst!.month.dense[4]).toHaveLength(M);
    const state = sparseFirst!.days.exportState();
    expect(state.days[4]).toBe(-1);
    expect(state).toEqual(wholeFirst!.days.exportState());
  });

  it('keeps a small day in a few entries and a busy one whole', () => {
    const days = new DayRegisters(12);
    const month = days.reset(0);
    // Day 0: 100 people (at most 100 registers of 4,096); day 1: 5,000 (past a sixth of them, so whole).
    for (let i = 0; i < 100; i++) days.add(month, 0, Math.imul(i + 1, 0x9e3779b1) >>> 0);
    for (let i = 0; i < 5_000; i++) days.add(month, 1, Math.imul(i + 7, 0x85ebca6b) >>> 0);
    expect(month.dense[0]).toBeUndefined();
    expect(month.dense[1]).toHaveLength(4096);
    expect(days.byteLength).toBeLessThan(4096 + 4 * 150);
    const day0 = new HyperLogLog(12);
    days.mergeDays(month, 0, 0, day0);
    expect(Math.abs(day0.estimate() - 100)).toBeLessThan(5);
    const state = days.exportState();
    expect([...state.days.subarray(0, 2)]).toEqual([state.sparse.length, -1]);
    expect(state.dense).toHaveLength(4096);
  });

  it('refuses a checkpoint whose days do not fit together or hold what no register can', () => {
    const days = new DayRegisters(P);
    apply(days, model(), [
      [0, 0, 0x12345678],
      [0, 0, 0x9abcdef0],
      ...Array.from({ length: 40 }, (_, i): Add => [1, 3, Math.imul(i + 1, 0x9e3779b1) >>> 0]),
    ]);
    const state = days.exportState();
    const refused =
      (change: Partial<DayRegistersState>, count = RECORDS) =>
      () =>
        new DayRegisters(P).importState({ ...state, ...change }, count);
    expect(refused({})).not.toThrow();
    expect(refused({ days: state.days.subarray(1) })).toThrow(/days for 2 records of 31/);
    expect(refused({ dense: state.dense.subarray(1) })).toThrow(/bytes of whole days for 1 days of 64/);
    expect(refused({ sparse: state.sparse.subarray(1) })).toThrow(/sparse entries where the days count 2/);
    const swapped = state.sparse.slice().reverse();
    expect(refused({ sparse: swapped })).toThrow(/record 0, day 0: entry \d+ is not a register after/);
    const rankTooHigh = state.sparse.slice();
    rankTooHigh[0] = (rankTooHigh[0]! & ~0xff) | (34 - P);
    expect(refused({ sparse: rankTooHigh })).toThrow(/record 0, day 0/);
    const outside = state.sparse.slice();
    outside[1] = (M << 8) | 1;
    expect(refused({ sparse: outside })).toThrow(/record 0, day 0/);
    const negative = state.days.slice();
    negative[5] = -2;
    expect(refused({ days: negative })).toThrow(/day 5 of record #0 says -2 entries/);
    expect(refused({}, 1)).toThrow(/month record 1 of 1/);
    expect(refused({ records: Int32Array.from([0, 0]) })).toThrow(/month record 0 appears twice/);
  });
});
