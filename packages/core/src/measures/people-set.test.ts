import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hyperLogLogError } from './hyperloglog.ts';
import { PeopleSet, type PeopleSetOptions } from './people-set.ts';
import { PersonRegistry } from './person-registry.ts';

const fcParams = { seed: 20_251_123, numRuns: 100, verbose: 1 } as const;
const UNIVERSE = 200;
const registry = PersonRegistry.fromIds(
  Array.from({ length: UNIVERSE }, (_, i) => `st-${String(i).padStart(8, '0')}`),
);
const SIGMA = hyperLogLogError(12);

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** A set holding one participation per entry of `people` (repeats are repeat participations). */
const setOf = (people: readonly number[], options: PeopleSetOptions = {}): PeopleSet => {
  const set = new PeopleSet(options);
  for (const i of people) set.add(i, registry.hashOf(i));
  return set;
};

const distinct = (...lists: (readonly number[])[]) => new Set(lists.flat()).size;

const person = fc.integer({ min: 0, max: UNIVERSE - 1 });
const people = fc.array(person, { maxLength: 80 });
/** Thresholds low enough that some sets become sketches and high enough that others stay exact. */
const threshold = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constant(4096));

describe('PeopleSet', () => {
  it('counts people, not participations, and keeps each person’s participations', () => {
    const set = setOf([3, 1, 3, 3, 7]);
    expect(set.size()).toEqual({ value: 3, exact: true, stale: false });
    expect(set.participations).toBe(5);
    expect(set.countOf(3)).toBe(3);
    expect(set.countOf(4)).toBe(0);
    expect([...set.members()]).toEqual([1, 3, 7]);
  });

  it('lets a person leave only when their last participation is removed', () => {
    const set = setOf([3, 3, 7]);
    set.remove(3, registry.hashOf(3));
    expect(set.size().value).toBe(2);
    set.remove(3, registry.hashOf(3));
    expect(set.size().value).toBe(1);
    expect([...set.members()]).toEqual([7]);
    expect(set.participations).toBe(1);
  });

  it('throws on removing someone absent or on a hash that disagrees with the first one (projection bugs)', () => {
    const set = setOf([3]);
    expect(() => set.remove(4, registry.hashOf(4))).toThrow(RangeError);
    expect(() => set.add(3, registry.hashOf(3) ^ 1)).toThrow(RangeError);
    expect(() => set.add(-1, 0)).toThrow(RangeError);
    expect(() => set.add(1.5, 0)).toThrow(RangeError);
  });

  it('stays exact up to the threshold and becomes a sketch with the stated error past it', () => {
    const set = setOf([0, 1, 2, 3, 4], { threshold: 5 });
    expect(set.isExact).toBe(true);
    set.add(0, registry.hashOf(0)); // a repeat does not push it over
    expect(set.isExact).toBe(true);
    set.add(5, registry.hashOf(5));
    expect(set.isExact).toBe(false);
    expect(set.size()).toEqual({ value: 6, exact: false, relativeError: SIGMA, stale: false });
    expect(set.participations).toBe(7);
    expect(() => set.members()).toThrow(RangeError);
    expect(() => set.countOf(0)).toThrow(RangeError);
  });

  it('marks a sketch stale on removal instead of silently keeping the removed person', () => {
    const set = setOf([0, 1, 2, 3], { threshold: 2 });
    set.remove(3, registry.hashOf(3));
    expect(set.isStale).toBe(true);
    expect(set.size()).toMatchObject({ value: 4, exact: false, stale: true });
    expect(set.participations).toBe(3);
    expect(PeopleSet.union([set, setOf([9])], registry).stale).toBe(true);
    expect(setOf([9]).addAll(set).isStale).toBe(true);
  });

  it('adds a set to itself by doubling every participation, keeping the same people', () => {
    const set = setOf(Array.from({ length: 40 }, (_, i) => i % 25));
    set.addAll(set);
    expect(set.size().value).toBe(25);
    expect(set.participations).toBe(80);
    expect(set.countOf(0)).toBe(4);
    expect(set.countOf(24)).toBe(2);
  });

  it('estimates large cells within 3 standard errors', () => {
    const big = new PersonRegistry();
    const set = new PeopleSet();
    for (let i = 0; i < 50_000; i++) {
      const index = big.intern(`p-${i}`);
      set.add(index, big.hashOf(index));
    }
    expect(set.isExact).toBe(false);
    expect(Math.abs(set.size().value - 50_000)).toBeLessThanOrEqual(3 * SIGMA * 50_000);
  });

  it('unions 1,000 exact cells of 50 people exactly', () => {
    const big = PersonRegistry.fromIds(Array.from({ length: 20_000 }, (_, i) => `p-${i}`));
    const truth = new Set<number>();
    const cells = Array.from({ length: 1_000 }, (_, c) => {
      const cell = new PeopleSet();
      for (let k = 0; k < 50; k++) {
        // Overlapping cells: a deterministic scatter over the 20,000 people.
        const index = (c * 7_919 + k * 104_729) % 20_000;
        truth.add(index);
        cell.add(index, big.hashOf(index));
      }
      return cell;
    });
    expect(PeopleSet.union(cells, big)).toEqual({ value: truth.size, exact: true, stale: false });
  });

  it('counts a few small cells in a large registry exactly, and a refused union leaves no trace', () => {
    const big = PersonRegistry.fromIds(Array.from({ length: 100_000 }, (_, i) => `p-${i}`));
    const a = new PeopleSet();
    const b = new PeopleSet();
    for (const i of [5, 99_999, 42]) a.add(i, big.hashOf(i));
    for (const i of [42, 7]) b.add(i, big.hashOf(i));
    expect(PeopleSet.union([a, b], big).value).toBe(4);
    // 99,999 is beyond the small registry: refused, after 5 and 42 were already marked as seen.
    expect(() => PeopleSet.union([a, b], registry)).toThrow(RangeError);
    // The bits are kept between calls: had the refusal left 5 and 42 marked, these would count 1 and 2.
    expect(PeopleSet.union([setOf([5, 42, 7]), setOf([42])], registry).value).toBe(3);
    expect(PeopleSet.union([a, b], big).value).toBe(4);
  });

  it('leaves no person marked after a union, whether it cleared person by person or by filling its bitmap', () => {
    const big = PersonRegistry.fromIds(Array.from({ length: 100_000 }, (_, i) => `p-${i}`));
    const cellOf = (indices: readonly number[]) => {
      const cell = new PeopleSet({ threshold: 100_000 });
      for (const i of indices) cell.add(i, big.hashOf(i));
      return cell;
    };
    // Every third person: far past one person per 48 bitmap words, so the bitmap is filled clear.
    const many = cellOf(Array.from({ length: 30_000 }, (_, k) => k * 3));
    // Three of them: cleared one by one.
    const few = cellOf([0, 3, 99_999]);
    for (let round = 0; round < 2; round++) {
      expect(PeopleSet.union([many, few], big).value).toBe(30_001);
      expect(PeopleSet.union([few], big).value).toBe(3);
      expect(PeopleSet.union([few, cellOf([3, 4])], big).value).toBe(4);
    }
  });

  it('counts an empty union as 0 and refuses to union sketches of different precision', () => {
    expect(PeopleSet.union([], registry)).toEqual({ value: 0, exact: true, stale: false });
    const coarse = setOf([1, 2], { threshold: 0, precision: 10 });
    const fine = setOf([1, 2], { threshold: 0, precision: 12 });
    expect(() => PeopleSet.union([coarse, fine], registry)).toThrow(RangeError);
    expect(() => fine.clone().addAll(coarse)).toThrow(RangeError);
    expect(() => new PeopleSet({ threshold: -1 })).toThrow(RangeError);
    expect(() => new PeopleSet({ precision: 3 })).toThrow(RangeError);
  });

  it('rejects bytes that are not a set', () => {
    const good = setOf([1, 2, 3]).toBytes();
    expect(() => PeopleSet.fromBytes(good.subarray(0, good.length - 1))).toThrow(RangeError);
    const swapped = good.slice();
    swapped.copyWithin(24, 36, 48); // member 0 becomes a copy of member 1: out of order
    expect(() => PeopleSet.fromBytes(swapped)).toThrow(RangeError);
    const overFull = good.slice();
    new DataView(overFull.buffer).setUint32(8, 2, true); // threshold 2 < 3 exact members
    expect(() => PeopleSet.fromBytes(overFull)).toThrow(RangeError);
  });

  describe('laws (fast-check, seed printed on failure)', () => {
    it('matches a multiset model under any sequence of additions and removals (exact mode)', () => {
      const op = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 30 }));
      fc.assert(
        fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
          const set = new PeopleSet();
          const model = new Map<number, number>();
          for (const [isAdd, i] of ops) {
            const times = model.get(i) ?? 0;
            if (isAdd) {
              set.add(i, registry.hashOf(i));
              model.set(i, times + 1);
            } else if (times > 0) {
              set.remove(i, registry.hashOf(i));
              if (times === 1) model.delete(i);
              else model.set(i, times - 1);
            }
          }
          expect(set.size()).toEqual({ value: model.size, exact: true, stale: false });
          expect([...set.members()]).toEqual([...model.keys()].sort((a, b) => a - b));
          for (const [i, times] of model) expect(set.countOf(i)).toBe(times);
          expect(set.participations).toBe([...model.values()].reduce((a, b) => a + b, 0));
          // History independence: the same multiset, however it was reached, gives the same bytes.
          const direct = setOf([...model].flatMap(([i, times]) => Array<number>(times).fill(i)));
          expect(sameBytes(set.toBytes(), direct.toBytes())).toBe(true);
        }),
        fcParams,
      );
    });

    it('restores the set exactly when added participations are removed again, in any order', () => {
      fc.assert(
        fc.property(people, people, fc.nat(), (base, batch, turn) => {
          const set = setOf(base);
          const before = set.toBytes();
          for (const i of batch) set.add(i, registry.hashOf(i));
          // Remove in a rotated order: a void need not arrive in the order its participations did.
          const cut = batch.length === 0 ? 0 : turn % batch.length;
          for (const i of [...batch.slice(cut), ...batch.slice(0, cut)]) set.remove(i, registry.hashOf(i));
          expect(sameBytes(set.toBytes(), before)).toBe(true);
        }),
        fcParams,
      );
    });

    it('unions commutatively and idempotently, with the exact distinct count when all cells are exact', () => {
      const cell = fc.tuple(people, threshold);
      fc.assert(
        fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }), fc.nat(), (cells, turn) => {
          const sets = cells.map(([members, t]) => setOf(members, { threshold: t }));
          const union = PeopleSet.union(sets, registry);
          const cut = turn % sets.length;
          expect(PeopleSet.union([...sets.slice(cut), ...sets.slice(0, cut)], registry)).toEqual(union);
          expect(PeopleSet.union([...sets].reverse(), registry)).toEqual(union);
          expect(PeopleSet.union([...sets, ...sets], registry)).toEqual(union);
          expect(PeopleSet.union([sets[0]!, sets[0]!], registry)).toEqual(sets[0]!.size());
          const truth = distinct(...cells.map(([members]) => members));
          if (sets.every((s) => s.isExact))
            expect(union).toEqual({ value: truth, exact: true, stale: false });
          else expect(Math.abs(union.value - truth)).toBeLessThanOrEqual(3 * SIGMA * truth);
        }),
        fcParams,
      );
    });

    it('bounds a union of two cells by the larger cell below and the sum above', () => {
      fc.assert(
        fc.property(people, threshold, people, threshold, (xs, tx, ys, ty) => {
          const a = setOf(xs, { threshold: tx }).size().value;
          const b = setOf(ys, { threshold: ty }).size().value;
          const union = PeopleSet.union(
            [setOf(xs, { threshold: tx }), setOf(ys, { threshold: ty })],
            registry,
          );
          // Exactly in exact mode; within 3 standard errors when a sketch is involved.
          const slack = union.exact ? 0 : 3 * SIGMA;
          expect(union.value).toBeGreaterThanOrEqual(Math.floor(Math.max(a, b) * (1 - slack)));
          expect(union.value).toBeLessThanOrEqual(Math.ceil((a + b) * (1 + slack)));
        }),
        fcParams,
      );
    });

    it('merges cells associatively and commutatively, and a merged cell counts as the union', () => {
      fc.assert(
        fc.property(people, people, people, threshold, (xs, ys, zs, t) => {
          const [a, b, c] = [xs, ys, zs].map((members) => setOf(members, { threshold: t })) as [
            PeopleSet,
            PeopleSet,
            PeopleSet,
          ];
          const left = a.clone().addAll(b).addAll(c);
          const right = a.clone().addAll(b.clone().addAll(c));
          const swapped = c.clone().addAll(b).addAll(a);
          expect(sameBytes(left.toBytes(), right.toBytes())).toBe(true);
          expect(sameBytes(left.toBytes(), swapped.toBytes())).toBe(true);
          // Merging the cells is the same as building one cell from all their participations.
          expect(sameBytes(left.toBytes(), setOf([...xs, ...ys, ...zs], { threshold: t }).toBytes())).toBe(
            true,
          );
          const union = PeopleSet.union([a, b, c], registry);
          if (left.isExact || !union.exact) expect(left.size()).toEqual(union);
          expect(left.participations).toBe(xs.length + ys.length + zs.length);
        }),
        fcParams,
      );
    });

    it('round-trips through toBytes/fromBytes in exact, sketch and stale states', () => {
      fc.assert(
        fc.property(people, threshold, fc.boolean(), (members, t, removeOne) => {
          const set = setOf(members, { threshold: t });
          const first = members[0];
          if (removeOne && first !== undefined) set.remove(first, registry.hashOf(first));
          const restored = PeopleSet.fromBytes(set.toBytes());
          expect(sameBytes(restored.toBytes(), set.toBytes())).toBe(true);
          expect(restored.size()).toEqual(set.size());
          expect([restored.isExact, restored.isStale, restored.participations]).toEqual([
            set.isExact,
            set.isStale,
            set.participations,
          ]);
          expect([restored.threshold, restored.precision]).toEqual([set.threshold, set.precision]);
        }),
        fcParams,
      );
    });
  });
});
