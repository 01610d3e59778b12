import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PeopleArena } from './people-arena.ts';
import { PeopleSet } from './people-set.ts';
import { PersonRegistry } from './person-registry.ts';

const fcParams = { seed: 20_261_123, numRuns: 150, verbose: 1 } as const;
const UNIVERSE = 300;
const registry = PersonRegistry.fromIds(Array.from({ length: UNIVERSE }, (_, i) => `ar-${i}`));
const hashOf = (p: number) => registry.hashOf(p);
const hashes = () => registry.hashes;

/**
 * An operation on one of a few cells: add a person on a day of the month, remove one of the cell's
 * participations, or rebuild.
 */
type Op =
  | readonly ['add', number, number, number]
  | readonly ['remove', number, number]
  | readonly ['assign', number];
const CELLS = 4;
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(fc.constant('add' as const), fc.nat(CELLS - 1), fc.nat(UNIVERSE - 1), fc.nat(30)),
  },
  { weight: 3, arbitrary: fc.tuple(fc.constant('remove' as const), fc.nat(CELLS - 1), fc.nat(1_000)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('assign' as const), fc.nat(CELLS - 1)) },
);

const membersOf = (source: { forEachMember: PeopleSet['forEachMember'] }) => {
  const out: [number, number][] = [];
  source.forEachMember((p, times) => out.push([p, times]));
  return out.sort((a, b) => a[0] - b[0]);
};

describe('PeopleArena', () => {
  it('keeps every cell equal to a PeopleSet given the same participations, and its edge days true, across growth, sketches, removals and restores', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 400 }),
        fc.integer({ min: 0, max: 60 }),
        fc.nat(400),
        fc.boolean(),
        (ops, threshold, cut, tiny) => {
          // Tiny chunks (as small as the largest block) spread the blocks over many chunks.
          const options = { threshold, precision: 4, ...(tiny ? { chunkLog: 0 } : {}) };
          let arena = new PeopleArena(hashes, options);
          const model = Array.from({ length: CELLS }, () => new PeopleSet({ threshold, precision: 4 }));
          /** Each cell's live participations (person, day), so removals only take back what was given. */
          const given: (readonly [number, number])[][] = Array.from({ length: CELLS }, () => []);
          const cells = model.map(() => arena.create());
          ops.forEach((o, i) => {
            if (i === cut) {
              // A checkpoint round trip in the middle: the restored arena must carry on identically.
              const restored = new PeopleArena(hashes, options);
              restored.importState(arena.exportState());
              arena = restored;
            }
            const c = o[1];
            if (o[0] === 'add') {
              arena.add(cells[c]!, o[2], 1, o[3]);
              model[c]!.add(o[2], hashOf(o[2]));
              given[c]!.push([o[2], o[3]]);
            } else if (o[0] === 'remove') {
              const list = given[c]!;
              if (list.length === 0) return;
              const [[p, day]] = list.splice(o[2] % list.length, 1) as [readonly [number, number]];
              arena.remove(cells[c]!, p, day);
              model[c]!.remove(p, hashOf(p));
            } else if (model[c]!.isStale) {
              // What the projection does with a stale cell: rebuild it from its exact parts.
              const fresh = new PeopleSet({ threshold, precision: 4 });
              for (const [p] of given[c]!) fresh.add(p, hashOf(p));
              arena.assign(cells[c]!, fresh);
              model[c] = fresh;
            }
          });
          model.forEach((set, c) => {
            const cell = cells[c]!;
            expect(arena.size(cell)).toEqual(set.size());
            expect(arena.participations(cell)).toBe(set.participations);
            expect(arena.isStale(cell)).toBe(set.isStale);
            if (set.isExact) expect(membersOf(arena.source(cell))).toEqual(membersOf(set));
            if (!arena.hasDays(cell)) return;
            // A cell that says it knows its members' days answers every month's first and last days exactly.
            for (const k of [0, 1, 9, 15, 29, 30]) {
              for (const [firstBy, lastFrom] of [
                [k, 0],
                [30, k],
              ] as const) {
                const want = new Set(
                  given[c]!.filter(([, d]) => d <= firstBy && d >= lastFrom).map(([p]) => p),
                );
                const edge = arena.source(cell, firstBy, lastFrom);
                expect(membersOf(edge).map(([p]) => p)).toEqual([...want].sort((a, b) => a - b));
                expect(edge.size()).toEqual({ value: want.size, exact: true, stale: false });
                expect(PeopleSet.union([edge, arena.source(cell)], registry).value).toBe(set.size().value);
              }
            }
          });
          expect(
            PeopleSet.union(
              cells.map((c) => arena.source(c)),
              registry,
            ),
          ).toEqual(PeopleSet.union(model, registry));
        },
      ),
      fcParams,
    );
  });

  it('keeps its members’ days trusted until a removal or an add without a day could have widened them', () => {
    const arena = new PeopleArena(hashes, { threshold: 10 });
    const a = arena.create();
    const onDays = (cell: number, firstBy: number, lastFrom: number) =>
      membersOf(arena.source(cell, firstBy, lastFrom)).map(([p]) => p);
    arena.add(a, 1, 1, 4);
    arena.add(a, 1, 1, 4);
    arena.add(a, 2, 1, 0);
    arena.add(a, 2, 1, 12);
    arena.add(a, 2, 1, 30);
    expect(onDays(a, 3, 0)).toEqual([2]);
    expect(onDays(a, 30, 5)).toEqual([2]);
    expect(onDays(a, 4, 0)).toEqual([1, 2]);
    // Taking back one of two participations on a member's only day, or one between their first and last
    // day, leaves what the days say true.
    arena.remove(a, 1, 4);
    arena.remove(a, 2, 12);
    expect(arena.hasDays(a)).toBe(true);
    // Taking back the last day of someone who stays may leave an earlier day their last: no longer trusted.
    arena.remove(a, 2, 30);
    expect(arena.hasDays(a)).toBe(false);
    expect(() => arena.source(a, 30, 5)).toThrow(/loose/);
    expect(arena.size(a)).toEqual({ value: 2, exact: true, stale: false });
    // A rebuild from a set that knows no days, or an add without a day, is not trusted either.
    const b = arena.create();
    arena.add(b, 5, 1, 3);
    expect(arena.hasDays(b)).toBe(true);
    arena.add(b, 6);
    expect(arena.hasDays(b)).toBe(false);
    // A sketch has no days, and an emptied cell starts over trusted.
    const c = arena.create();
    for (let p = 0; p < 11; p++) arena.add(c, p, 1, 2);
    expect(arena.hasDays(c)).toBe(false);
    arena.remove(b, 5, 3);
    arena.remove(b, 6);
    arena.add(b, 7, 1, 9);
    expect(onDays(b, 9, 0)).toEqual([7]);
    expect(() => arena.add(b, 7, 2 ** 22, 9)).toThrow(/participations in one cell/);
    expect(arena.participations(b)).toBe(1);
  });

  it('reuses the blocks of outgrown tables and emptied cells instead of growing the pool', () => {
    const arena = new PeopleArena(hashes);
    const a = arena.create();
    for (let p = 0; p < 100; p++) arena.add(a, p);
    const grown = arena.exportState().chunks[0]!.length;
    for (let p = 0; p < 100; p++) arena.remove(a, p);
    expect(arena.size(a)).toEqual({ value: 0, exact: true, stale: false });
    // The emptied cell's block and every table it outgrew on the way are free: refilling takes no new words.
    const b = arena.create();
    for (let p = 0; p < 100; p++) arena.add(b, p);
    expect(arena.exportState().chunks[0]!.length).toBe(grown);
  });

  it('restores a pool spread over chunks, one left short when a block did not fit, and grows on from it', () => {
    // Chunks as small as the largest block (the 1,024-slot table a cell reaches at 400 people: 2,048 words).
    // A restored last chunk ends where its used words end and grows by doubling from there, so a 1,024-word
    // table comes not to fit in it and the pool moves on, leaving that chunk short of the full size.
    const options = { threshold: 400, precision: 4, chunkLog: 0 };
    const roundTrip = (arena: PeopleArena) => {
      const restored = new PeopleArena(hashes, options);
      restored.importState(arena.exportState());
      return restored;
    };
    let arena = new PeopleArena(hashes, options);
    const small = arena.create();
    const big = arena.create();
    for (let p = 0; p < 40; p++) arena.add(small, p);
    arena = roundTrip(arena);
    for (let p = 0; p < 300; p++) arena.add(big, p);
    const state = arena.exportState();
    expect(state.chunks.length).toBe(2);
    expect(state.chunks[0]!.length).toBeLessThan(2048);
    arena = roundTrip(arena);
    expect(arena.size(small).value).toBe(40);
    expect(arena.size(big).value).toBe(300);
    for (let p = 100; p < 150; p++) arena.add(small, p);
    expect(arena.size(small).value).toBe(90);
    expect(membersOf(arena.source(big)).map(([p]) => p)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('throws, changing nothing, on removing someone an exact cell does not hold', () => {
    const arena = new PeopleArena(hashes);
    const a = arena.create();
    arena.add(a, 3);
    expect(() => arena.remove(a, 4)).toThrow(/person 4/);
    expect(arena.size(a)).toEqual({ value: 1, exact: true, stale: false });
    expect(arena.participations(a)).toBe(1);
  });

  it('refuses a restore written with another threshold or with cell arrays of different lengths', () => {
    const arena = new PeopleArena(hashes, { threshold: 10 });
    arena.create();
    const state = arena.exportState();
    expect(() => new PeopleArena(hashes, { threshold: 11 }).importState(state)).toThrow(/threshold/);
    const free = [new Uint32Array(), new Uint32Array(), new Uint32Array([1 << 20])];
    expect(() => new PeopleArena(hashes, { threshold: 10 }).importState({ ...state, free })).toThrow(
      /free block of 2\^2 words at 1048576 lies outside the pool/,
    );
    expect(() =>
      new PeopleArena(hashes, { threshold: 10 }).importState({ ...state, flags: new Uint8Array(2) }),
    ).toThrow(/differ in length/);
  });
});
