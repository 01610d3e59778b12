import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PeopleArena } from './people-arena.ts';
import { PeopleSet } from './people-set.ts';
import { daysBetween } from './person-multiset.ts';
import { PersonRegistry } from './person-registry.ts';

const fcParams = { seed: 20_261_123, numRuns: 150, verbose: 1 } as const;
/** People far enough apart that a cell of a few of them keeps whole keys when packed, not 16-bit gaps. */
const UNIVERSE = 200_000;
const registry = PersonRegistry.fromIds(Array.from({ length: UNIVERSE }, (_, i) => `ar-${i}`));
const hashOf = (p: number) => registry.hashOf(p);
const hashes = () => registry.hashes;

/**
 * An operation on one of a few cells: add a person on a day of the month, remove one of the cell's
 * participations, rebuild it if stale, make its days true again, or pack its table.
 */
type Op =
  | readonly ['add', number, number, number, number]
  | readonly ['remove', number, number]
  | readonly ['assign', number]
  | readonly ['restore', number]
  | readonly ['pack', number];
const CELLS = 4;
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    // A few regulars on a few days, so people come back to a cell on the same day and on others.
    arbitrary: fc.tuple(
      fc.constant('add' as const),
      fc.nat(CELLS - 1),
      fc.oneof(fc.nat(11), fc.nat(UNIVERSE - 1)),
      fc.oneof(fc.nat(3), fc.nat(30)),
      // Now and then many at once: past the 254 a member's byte holds, and back under it as they are removed.
      fc.oneof(
        { weight: 9, arbitrary: fc.constant(1) },
        { weight: 1, arbitrary: fc.integer({ min: 2, max: 300 }) },
      ),
    ),
  },
  { weight: 3, arbitrary: fc.tuple(fc.constant('remove' as const), fc.nat(CELLS - 1), fc.nat(1_000)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('assign' as const), fc.nat(CELLS - 1)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('restore' as const), fc.nat(CELLS - 1)) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('pack' as const), fc.nat(CELLS - 1)) },
);

/**
 * Applies an add or a removal to an arena cell, to its model, and to its live participations (a removal
 * takes back one of those, picked by the op's number; none when there are none).
 */
const addOrRemove = (
  arena: PeopleArena,
  cell: number,
  model: PeopleSet,
  given: (readonly [number, number])[],
  o: Op,
): void => {
  if (o[0] === 'add') {
    arena.add(cell, o[2], o[4], o[3]);
    model.add(o[2], hashOf(o[2]), o[4]);
    for (let t = 0; t < o[4]; t++) given.push([o[2], o[3]]);
  } else if (o[0] === 'remove' && given.length > 0) {
    const [[p, day]] = given.splice(o[2] % given.length, 1) as [readonly [number, number]];
    arena.remove(cell, p, day);
    model.remove(p, hashOf(p));
  }
};

const membersOf = (source: { forEachMember: PeopleSet['forEachMember'] }) => {
  const out: [number, number][] = [];
  source.forEachMember((p, times) => out.push([p, times]));
  return out.sort((a, b) => a[0] - b[0]);
};

describe('PeopleArena', () => {
  it('keeps every cell equal to a PeopleSet given the same participations, and its members’ days true, across growth, sketches, removals and restores', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 400, size: 'medium' }),
        fc.integer({ min: 0, max: 60 }),
        fc.nat(400),
        fc.boolean(),
        fc.nat(400),
        (ops, threshold, cut, tiny, squeeze) => {
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
              expect(restored.pool.free).toBe(0);
              arena = restored;
            }
            if (i === squeeze) {
              // A compaction in the middle: every block slid down over the free ones, nothing else changed.
              const before = arena.pool;
              const given = arena.compact();
              expect(arena.pool.free).toBe(0);
              expect(before.used - arena.pool.used).toBe(given);
              // In one chunk exactly the free words; over many, chunks' ends may lose other words than before.
              if (tiny) expect(given).toBeGreaterThanOrEqual(0);
              else expect(given).toBe(before.free);
              // Already dense: a second compaction moves nothing.
              expect(arena.compact()).toBe(0);
            }
            const c = o[1];
            if (o[0] === 'add' || o[0] === 'remove') addOrRemove(arena, cells[c]!, model[c]!, given[c]!, o);
            else if (o[0] === 'restore') {
              // What the projection does with a loose cell: report every participation's day.
              const restored = arena.restoreDays(cells[c]!, (note) => {
                for (const [p, day] of given[c]!) note(p, 2 ** day);
              });
              expect(restored).toBe(arena.isExact(cells[c]!));
              expect(arena.hasDays(cells[c]!)).toBe(restored);
            } else if (o[0] === 'pack') {
              // Packed, a table holds the same members, days and participations, in fewer words.
              const before = arena.pool;
              const wasTable = arena.isExact(cells[c]!) && arena.members(cells[c]!) > 0;
              const packedAlready = arena.isPacked(cells[c]!);
              const cut = arena.pack(cells[c]!);
              expect(arena.isPacked(cells[c]!)).toBe(wasTable);
              if (packedAlready) expect(cut).toBe(0);
              expect(arena.pool.free - before.free).toBe(cut);
              expect(arena.pool.used).toBe(before.used);
            } else if (model[c]!.isStale) {
              // What the projection does with a stale cell: rebuild it from its exact parts.
              const fresh = new PeopleSet({ threshold, precision: 4 });
              for (const [p] of given[c]!) fresh.add(p, hashOf(p));
              arena.assign(cells[c]!, fresh);
              model[c] = fresh;
            }
            // After every step, a cell that says it knows its members' days has each of the regulars' days right.
            if (!arena.hasDays(cells[c]!)) return;
            for (let day = 0; day <= 3; day++) {
              const want = new Set(given[c]!.filter(([, d]) => d === day).map(([p]) => p));
              expect(arena.forEachOnDays(cells[c]!, 2 ** day, null), `day ${day} after step ${i}`).toBe(
                want.size,
              );
            }
          });
          model.forEach((set, c) => {
            const cell = cells[c]!;
            expect(arena.size(cell)).toEqual(set.size());
            expect(arena.participations(cell)).toBe(set.participations);
            expect(arena.isStale(cell)).toBe(set.isStale);
            if (set.isExact) expect(membersOf(arena.source(cell))).toEqual(membersOf(set));
            if (!arena.hasDays(cell)) return;
            // A cell that says it knows its members' days answers any days of the month exactly: its first
            // days, its last, a week inside it, one day.
            for (const k of [0, 1, 9, 15, 29, 30]) {
              for (const [first, last] of [
                [0, k],
                [k, 30],
                [k, Math.min(30, k + 6)],
                [k, k],
              ] as const) {
                const want = new Set(given[c]!.filter(([, d]) => d >= first && d <= last).map(([p]) => p));
                const some = arena.source(cell, daysBetween(first, last));
                expect(membersOf(some).map(([p]) => p)).toEqual([...want].sort((a, b) => a - b));
                expect(some.size()).toEqual({ value: want.size, exact: true, stale: false });
                expect(PeopleSet.union([some], registry).value).toBe(want.size);
                expect(PeopleSet.union([some, arena.source(cell)], registry).value).toBe(set.size().value);
              }
            }
          });
          expect(
            PeopleSet.union(
              cells.map((c) => arena.source(c)),
              registry,
            ),
          ).toEqual(PeopleSet.union(model, registry));
          // Some days across the cells that know theirs: an exact union marking members by their days.
          const withDays = [...cells.keys()].filter((c) => arena.hasDays(cells[c]!));
          for (const [first, last] of [
            [0, 0],
            [2, 8],
            [3, 30],
          ] as const) {
            const want = new Set(
              withDays.flatMap((c) => given[c]!.filter(([, d]) => d >= first && d <= last).map(([p]) => p)),
            );
            const sources = withDays.map((c) => arena.source(cells[c]!, daysBetween(first, last)));
            expect(PeopleSet.union(sources, registry)).toEqual({
              value: want.size,
              exact: true,
              stale: false,
            });
          }
        },
      ),
      fcParams,
    );
  });

  it('shares one block between two packed cells that hold the same, each staying equal to its own PeopleSet as either is written, compacted or checkpointed', () => {
    /** What both cells are given (an add or a removal), then what one of them is given, or done to the arena. */
    type Apart = Op | readonly ['share'] | readonly ['compact'] | readonly ['checkpoint'];
    const apart: fc.Arbitrary<Apart> = fc.oneof(
      { weight: 8, arbitrary: op },
      { weight: 1, arbitrary: fc.constant(['share'] as const) },
      { weight: 1, arbitrary: fc.constant(['compact'] as const) },
      { weight: 1, arbitrary: fc.constant(['checkpoint'] as const) },
    );
    const both = op.filter((o) => o[0] === 'add' || o[0] === 'remove');
    fc.assert(
      fc.property(
        fc.array(both, { minLength: 1, maxLength: 150 }),
        fc.array(apart, { maxLength: 150 }),
        fc.integer({ min: 0, max: 60 }),
        fc.boolean(),
        (common, later, threshold, tiny) => {
          const options = { threshold, precision: 4, ...(tiny ? { chunkLog: 0 } : {}) };
          let arena = new PeopleArena(hashes, options);
          // Cells 0 and 1 are the twins; 2 lies between them in the pool, so a compaction moves blocks.
          const cells = [arena.create(), arena.create(), arena.create()];
          const model = cells.map(() => new PeopleSet({ threshold, precision: 4 }));
          const given: (readonly [number, number])[][] = cells.map(() => []);
          const apply = (o: Op, c: number) => {
            if (o[0] === 'add' || o[0] === 'remove') addOrRemove(arena, cells[c]!, model[c]!, given[c]!, o);
            else if (o[0] === 'restore') {
              arena.restoreDays(cells[c]!, (note) => {
                for (const [p, day] of given[c]!) note(p, 2 ** day);
              });
            } else if (o[0] === 'pack') arena.pack(cells[c]!);
            else if (model[c]!.isStale) {
              const fresh = new PeopleSet({ threshold, precision: 4 });
              for (const [p] of given[c]!) fresh.add(p, hashOf(p));
              arena.assign(cells[c]!, fresh);
              model[c] = fresh;
            }
          };
          const check = (when: string) => {
            cells.forEach((cell, c) => {
              const set = model[c]!;
              expect(arena.size(cell), `${when}: cell ${c}`).toEqual(set.size());
              expect(arena.participations(cell)).toBe(set.participations);
              if (set.isExact)
                expect(membersOf(arena.source(cell)), `${when}: cell ${c}`).toEqual(membersOf(set));
              if (!arena.hasDays(cell)) return;
              for (const day of [0, 1, 3, 30]) {
                const want = new Set(given[c]!.filter(([, d]) => d === day).map(([p]) => p));
                expect(arena.forEachOnDays(cell, 2 ** day, null), `${when}: cell ${c}, day ${day}`).toBe(
                  want.size,
                );
              }
            });
          };
          for (const o of common) {
            apply(o, 0);
            apply(o, 1);
            apply(['add', 2, o[2] % UNIVERSE, 5, 1], 2);
          }
          for (const cell of cells) arena.pack(cell);
          // Shared exactly when both packed (exact, someone in them) with no member past a byte's 254.
          const shareable =
            arena.isPacked(cells[0]!) && model[0]!.isExact && membersOf(model[0]!).every(([, t]) => t < 255);
          const free = arena.pool.free;
          expect(arena.share(cells[0]!, cells[1]!)).toBe(shareable);
          if (shareable) expect(arena.pool.free).toBeGreaterThan(free);
          expect(arena.isShared(cells[1]!)).toBe(shareable);
          check('shared');
          later.forEach((o, i) => {
            if (o[0] === 'share') {
              if (arena.share(cells[0]!, cells[1]!))
                expect(membersOf(model[0]!)).toEqual(membersOf(model[1]!));
            } else if (o[0] === 'compact') {
              arena.compact();
              expect(arena.pool.free).toBe(0);
            } else if (o[0] === 'checkpoint') {
              const restored = new PeopleArena(hashes, options);
              restored.importState(arena.exportState());
              arena = restored;
            } else apply(o, o[1] % 3);
            check(`step ${i}: ${o.join(' ')}`);
          });
        },
      ),
      fcParams,
    );
  });

  it('keeps its members’ days trusted until a removal or an add without a day could have made them say too much', () => {
    const arena = new PeopleArena(hashes, { threshold: 10 });
    const a = arena.create();
    const onDays = (cell: number, first: number, last: number) =>
      membersOf(arena.source(cell, daysBetween(first, last))).map(([p]) => p);
    arena.add(a, 1, 1, 4);
    arena.add(a, 1, 1, 4);
    arena.add(a, 2, 1, 0);
    arena.add(a, 2, 1, 12);
    arena.add(a, 2, 1, 30);
    arena.add(a, 3, 1, 8);
    arena.add(a, 3, 1, 8);
    arena.add(a, 3, 1, 20);
    expect(onDays(a, 0, 3)).toEqual([2]);
    expect(onDays(a, 5, 30)).toEqual([2, 3]);
    expect(onDays(a, 0, 4)).toEqual([1, 2]);
    expect(onDays(a, 9, 15)).toEqual([2]);
    expect(onDays(a, 13, 19)).toEqual([]);
    // Taking back one of two participations on a member's only day, or a day of someone who took part once a
    // day, leaves what the days say true: the day is known to be free.
    arena.remove(a, 1, 4);
    arena.remove(a, 2, 12);
    expect(arena.hasDays(a)).toBe(true);
    expect(onDays(a, 9, 15)).toEqual([]);
    expect(onDays(a, 4, 4)).toEqual([1]);
    // Taking back a day of someone with two participations on another day may or may not free it.
    arena.remove(a, 3, 8);
    expect(arena.hasDays(a)).toBe(false);
    expect(() => arena.source(a, daysBetween(5, 30))).toThrow(/loose/);
    expect(arena.size(a)).toEqual({ value: 3, exact: true, stale: false });
    // Restored from what the cell holds, the days are true again.
    expect(
      arena.restoreDays(a, (note) => {
        note(1, 2 ** 4);
        note(2, 2 ** 0 + 2 ** 30);
        note(3, 2 ** 8 + 2 ** 20);
      }),
    ).toBe(true);
    expect(onDays(a, 8, 8)).toEqual([3]);
    // A report that misses a member leaves the days loose.
    expect(arena.restoreDays(a, (note) => note(1, 2 ** 4))).toBe(false);
    expect(arena.hasDays(a)).toBe(false);
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
    expect(onDays(b, 9, 9)).toEqual([7]);
    expect(() => arena.add(b, 7, 2 ** 32, 9)).toThrow(/participations in one cell/);
    expect(arena.participations(b)).toBe(1);
  });

  it('reuses the blocks of outgrown tables and emptied cells instead of growing the pool', () => {
    const arena = new PeopleArena(hashes);
    const a = arena.create();
    for (let p = 0; p < 100; p++) arena.add(a, p);
    const grown = arena.pool;
    // 100 people in a 128-slot table (288 words: two a slot and a byte a slot); the twenty tables it
    // outgrew, 4 to 112 slots (four sizes to a doubling: 9, 12, 14, 16, 18, 23, 27, 32, 36, 45, 54, 63, 72,
    // 90, 108, 126, 144, 180, 216 and 252 words), are free.
    expect(grown).toEqual({ used: 288 + 1537, free: 1537 });
    for (let p = 0; p < 100; p++) arena.remove(a, p);
    expect(arena.size(a)).toEqual({ value: 0, exact: true, stale: false });
    expect(arena.pool).toEqual({ used: grown.used, free: grown.used });
    // The emptied cell's block and every table it outgrew on the way are free: refilling takes no new words.
    const b = arena.create();
    for (let p = 0; p < 100; p++) arena.add(b, p);
    expect(arena.pool).toEqual(grown);
  });

  it('packs a table end to end in ascending order, a byte for a member’s one day, and opens it for any write', () => {
    const arena = new PeopleArena(hashes);
    const a = arena.create();
    const b = arena.create();
    // 100 people (a 128-slot table, 288 words), each twice on day p mod 31, and person 0 on day 5 too; b is
    // a one-person table.
    for (let p = 99; p >= 0; p--) arena.add(a, p * 3, 2, p % 31);
    arena.add(a, 0, 1, 5);
    arena.add(b, 7, 1, 0);
    const used = arena.pool.used;
    const free = arena.pool.free;
    const before = membersOf(arena.source(a));
    const onDay = (cell: number, day: number) => arena.forEachOnDays(cell, 2 ** day, null);
    const days = [0, 4, 5, 30].map((day) => onDay(a, day));
    // Keys 3 apart: a word saying one member took part on several days, the first key, 99 gaps of 16 bits
    // (49.5 words), 200 bytes (50 words), that member's days: 103 words, 185 of the table's 288 cut.
    expect(arena.pack(a)).toBe(288 - 103);
    expect(arena.pack(a)).toBe(0);
    expect(arena.pool).toEqual({ used, free: free + 185 });
    expect(arena.isPacked(a)).toBe(true);
    const order: number[] = [];
    arena.forEachMember(a, (p) => order.push(p));
    expect(order).toEqual(Array.from({ length: 100 }, (_, p) => p * 3));
    expect(membersOf(arena.source(a))).toEqual(before);
    expect([0, 4, 5, 30].map((day) => onDay(a, day))).toEqual(days);
    expect(days).toEqual([4, 4, 5, 3]);
    // A checkpoint keeps it packed, and a compaction takes the cut words back.
    const restored = new PeopleArena(hashes);
    restored.importState(arena.exportState());
    expect(restored.isPacked(a)).toBe(true);
    expect(membersOf(restored.source(a))).toEqual(before);
    expect(arena.compact()).toBe(free + 185);
    expect(membersOf(arena.source(a))).toEqual(before);
    expect([0, 4, 5, 30].map((day) => onDay(a, day))).toEqual(days);
    // Any write opens it into a table first: a member again …
    arena.add(a, 30, 1, 20);
    expect([arena.isPacked(a), arena.thaws]).toEqual([false, 1]);
    expect(onDay(a, 20)).toBe(4);
    arena.pack(a);
    // … one of a member's two participations taken back (day 11 was person 33's only one) …
    arena.remove(a, 33, 11);
    expect([arena.isPacked(a), arena.thaws]).toEqual([false, 2]);
    expect(onDay(a, 11)).toBe(3);
    arena.pack(a);
    // … a new member, and one leaving.
    arena.add(a, 1, 1, 0);
    arena.pack(a);
    arena.remove(a, 1, 0);
    expect(arena.thaws).toBe(4);
    expect(arena.participations(a)).toBe(201);
    // Keys 2^16 or more apart stay whole words: 3 people in a 4-slot table (9 words) packed in 6 (the word,
    // 3 keys, 6 bytes in 2 words), and read back the same.
    const c = arena.create();
    for (const p of [140_001, 0, 70_000]) arena.add(c, p, 1, p % 31);
    const spread = membersOf(arena.source(c));
    expect(arena.pack(c)).toBe(9 - 6);
    expect(membersOf(arena.source(c))).toEqual(spread);
    expect([0, 1, 2, 3, 30].map((day) => onDay(c, day))).toEqual([1, 0, 1, 0, 0]);
    // A packed cell emptied gives its words back: b's 4 (the word, a key, two bytes in a word, no days).
    arena.pack(b);
    const left = arena.pool.free;
    arena.remove(b, 7, 0);
    expect(arena.members(b)).toBe(0);
    expect(arena.pool.free).toBeGreaterThanOrEqual(left + 4);
  });

  it('trims its per-cell arrays to the cells there are, every cell unchanged, and grows them again after', () => {
    const arena = new PeopleArena(hashes, { threshold: 8, precision: 4 });
    const cells = Array.from({ length: 100 }, () => arena.create());
    for (const cell of cells) for (let p = 0; p < cell % 12; p++) arena.add(cell, p, 1 + (p % 3), p);
    // Cells 11, 23, … hold 11 people, past the threshold of 8: sketches; one made stale by a removal.
    arena.remove(11, 0);
    const read = () =>
      cells.map((cell) => [
        arena.size(cell),
        arena.participations(cell),
        arena.hasDays(cell),
        arena.isStale(cell),
      ]);
    const before = read();
    const bytes = arena.byteLength;
    // 100 cells in arrays grown from 64 to 112 (by half, and 16): 12 cells of 18 bytes unused.
    expect(arena.trim(12 * 18 + 1)).toBe(0);
    expect(arena.trim()).toBe(12 * 18);
    expect(arena.byteLength).toBe(bytes - 12 * 18);
    expect(arena.trim()).toBe(0);
    expect(read()).toEqual(before);
    const next = arena.create();
    expect(next).toBe(100);
    arena.add(next, 5, 2, 3);
    expect(membersOf(arena.source(next))).toEqual([[5, 2]]);
    expect(read()).toEqual(before);
  });

  it('compacts in place: blocks slide down over the free ones, emptied chunks go, new blocks come zeroed from the top', () => {
    // Chunks of 2,048 words. Three cells grow to 300 people each (864-word tables, the tables outgrown on
    // the way between them), then two are emptied.
    const options = { threshold: 400, precision: 4, chunkLog: 0 };
    const arena = new PeopleArena(hashes, options);
    const cells = [0, 1, 2].map(() => arena.create());
    for (let p = 0; p < 300; p++) for (const cell of cells) arena.add(cell, p, 1, p % 31);
    const sketch = arena.create();
    arena.resetToSketch(sketch);
    arena.add(sketch, 7);
    for (let p = 0; p < 300; p++) {
      arena.remove(cells[0]!, p, p % 31);
      arena.remove(cells[2]!, p, p % 31);
    }
    const before = arena.pool;
    const bytes = arena.byteLength;
    expect(before.used).toBeGreaterThan(3 * 2048);
    // What stays: one 864-word table and a 4-word sketch, end to end at the pool's start.
    expect(arena.compact()).toBe(before.used - 868);
    expect(arena.pool).toEqual({ used: 868, free: 0 });
    expect(bytes - arena.byteLength).toBeGreaterThanOrEqual(2 * 2048 * 4);
    expect(membersOf(arena.source(cells[1]!))).toEqual(Array.from({ length: 300 }, (_, p) => [p, 1]));
    expect(arena.forEachOnDays(cells[1]!, 2 ** 5, null)).toBe(10);
    expect(arena.size(sketch)).toMatchObject({ value: 1, exact: false });
    expect(arena.compact()).toBe(0);
    // Tables made after it start from zeroed words: refilled cells hold exactly what they are given.
    for (let p = 0; p < 200; p++) arena.add(cells[0]!, p + 100, 2, 1);
    for (let p = 0; p < 5; p++) arena.add(cells[2]!, p, 1, 2);
    expect(membersOf(arena.source(cells[0]!))).toEqual(Array.from({ length: 200 }, (_, p) => [p + 100, 2]));
    expect(membersOf(arena.source(cells[2]!))).toEqual(Array.from({ length: 5 }, (_, p) => [p, 1]));
    expect(arena.forEachOnDays(cells[2]!, 2 ** 2, null)).toBe(5);
  });

  it('writes a checkpoint without the free blocks: each block end to end, a chunk left short when the next does not fit', () => {
    // Chunks as small as the largest block allows (the 512-slot table a cell reaches at 400 people: 1,152
    // words in chunks of 2,048). A restored last chunk ends where its blocks end and grows by doubling.
    const options = { threshold: 400, precision: 4, chunkLog: 0 };
    const roundTrip = (arena: PeopleArena) => {
      const restored = new PeopleArena(hashes, options);
      restored.importState(arena.exportState());
      return restored;
    };
    let arena = new PeopleArena(hashes, options);
    const small = arena.create();
    const big = arena.create();
    const other = arena.create();
    for (let p = 0; p < 40; p++) arena.add(small, p);
    expect(arena.pool.free).toBeGreaterThan(0);
    arena = roundTrip(arena);
    // 40 people in a 48-slot table: 108 words, nothing free.
    expect(arena.pool).toEqual({ used: 108, free: 0 });
    for (let p = 0; p < 350; p++) {
      arena.add(big, p);
      arena.add(other, p + 50);
    }
    // 350 people in a 448-slot table: 1,008 words each. The second does not fit in the 932 words left.
    expect(arena.exportState().chunks.map((c) => c.length)).toEqual([1116, 1008]);
    const before = arena.exportState().chunks;
    arena = roundTrip(arena);
    expect(arena.pool).toEqual({ used: 2048 + 1008, free: 0 });
    expect(arena.exportState().chunks).toEqual(before);
    expect(arena.size(small).value).toBe(40);
    expect(arena.size(big).value).toBe(350);
    // small grows on from the restored short chunk: tables of 56, 64, 80, 96 and 112 slots (126, 144, 180,
    // 216 and 252 words), the first five (48 to 96 slots) freed.
    for (let p = 100; p < 150; p++) arena.add(small, p);
    expect(arena.size(small).value).toBe(90);
    expect(arena.pool).toEqual({ used: 3056 + 918, free: 108 + 126 + 144 + 180 + 216 });
    expect(membersOf(arena.source(big)).map(([p]) => p)).toEqual(Array.from({ length: 350 }, (_, i) => i));
    expect(membersOf(arena.source(other)).map(([p]) => p)).toEqual(
      Array.from({ length: 350 }, (_, i) => i + 50),
    );
    expect(membersOf(roundTrip(arena).source(small)).map(([p]) => p)).toEqual([
      ...Array.from({ length: 40 }, (_, i) => i),
      ...Array.from({ length: 50 }, (_, i) => i + 100),
    ]);
  });

  it('writes a checkpoint whose blocks fill a chunk exactly, the next block starting the next chunk', () => {
    // Chunks of 2,048 words: tables of 512, 384 and 14 slots (1,152 + 864 + 32 words) fill the first; two
    // 4-word sketches and a 9-word table start the second.
    const options = { threshold: 400, precision: 4, chunkLog: 0 };
    const arena = new PeopleArena(hashes, options);
    const sizes = [395, 300, 11];
    const cells = sizes.map((size, c) => {
      const cell = arena.create();
      for (let p = 0; p < size; p++) arena.add(cell, (p + c * 11) % UNIVERSE);
      return cell;
    });
    arena.resetToSketch(arena.create());
    arena.resetToSketch(arena.create());
    const last = arena.create();
    arena.add(last, 5);
    const state = arena.exportState();
    expect(state.chunks.map((c) => c.length)).toEqual([2048, 17]);
    const restored = new PeopleArena(hashes, options);
    restored.importState(state);
    expect(cells.map((c) => restored.size(c).value)).toEqual(sizes);
    expect(membersOf(restored.source(last))).toEqual([[5, 1]]);
  });

  it('keeps a member past 254 participations beside the pool, through growth, removals, compaction, checkpoints and a sketch', () => {
    const options = { threshold: 40, precision: 4, chunkLog: 0 };
    let arena = new PeopleArena(hashes, options);
    const cell = arena.create();
    const timesOf = (p: number) => new Map(membersOf(arena.source(cell))).get(p);
    arena.add(cell, 7, 250, 3);
    arena.add(cell, 8, 1, 3);
    for (let t = 251; t <= 260; t++) {
      arena.add(cell, 7, 1, 4);
      expect(timesOf(7)).toBe(t);
    }
    // Others join: the table grows twice while person 7's count lives in the overflow.
    for (let p = 20; p < 30; p++) arena.add(cell, p, 300, p % 31);
    expect(membersOf(arena.source(cell)).slice(0, 2)).toEqual([
      [7, 260],
      [8, 1],
    ]);
    expect(arena.participations(cell)).toBe(261 + 3000);
    for (let p = 20; p < 25; p++) for (let t = 0; t < 300; t++) arena.remove(cell, p, p % 31);
    expect(arena.compact()).toBeGreaterThan(0);
    const restored = new PeopleArena(hashes, options);
    restored.importState(arena.exportState());
    arena = restored;
    const overflow = (many: Uint32Array) =>
      Array.from({ length: many.length / 3 }, (_, i) => [...many.subarray(i * 3, i * 3 + 3)]).sort(
        (a, b) => a[1]! - b[1]!,
      );
    expect(overflow(arena.exportState().many)).toEqual(
      [7, 25, 26, 27, 28, 29].map((p) => [cell, p, p === 7 ? 260 : 300]),
    );
    // Down through 255, one at a time: the byte takes over again below it.
    for (let t = 259; t >= 1; t--) {
      arena.remove(cell, 7, t > 250 ? 4 : 3);
      expect(timesOf(7)).toBe(t);
    }
    expect(arena.remove(cell, 7, 3)).toBe(true);
    expect(timesOf(7)).toBeUndefined();
    expect(arena.exportState().many.length).toBe(3 * 5);
    // Past the threshold the cell is a sketch, and the overflow forgets it.
    for (let p = 100; p < 140; p++) arena.add(cell, p);
    expect(arena.isExact(cell)).toBe(false);
    expect(arena.exportState().many.length).toBe(0);
    expect(arena.participations(cell)).toBe(1 + 1500 + 40);
  });

  it('refuses a restore whose overflow names a member the pool does not point to it for', () => {
    const arena = new PeopleArena(hashes, { threshold: 10 });
    const cell = arena.create();
    arena.add(cell, 3, 300);
    arena.add(cell, 4, 2);
    const state = arena.exportState();
    expect(state.many).toEqual(Uint32Array.from([cell, 3, 300]));
    const refused = (many: number[]) => () =>
      new PeopleArena(hashes, { threshold: 10 }).importState({ ...state, many: Uint32Array.from(many) });
    expect(refused([cell, 5, 300])).toThrow(/person 5 in cell 0, which does not hold them/);
    expect(refused([cell, 4, 300])).toThrow(/person 4 in cell 0 that their byte does not point to/);
    expect(refused([cell, 3, 254])).toThrow(/person 3 in cell 0 that their byte does not point to/);
    expect(refused([cell, 3, 300, cell, 3, 301])).toThrow(/two overflow entries for person 3/);
    expect(refused([cell, 3])).toThrow(/whole triples/);
    // Refused, the arena is as it was: empty.
    const fresh = new PeopleArena(hashes, { threshold: 10 });
    expect(() => fresh.importState({ ...state, many: Uint32Array.from([9, 3, 300]) })).toThrow(/cell 9/);
    expect(fresh.cells).toBe(0);
    expect(fresh.pool).toEqual({ used: 0, free: 0 });
    // Without its overflow entry, a member's count is a bug, said as one.
    const lost = new PeopleArena(hashes, { threshold: 10 });
    lost.importState({ ...state, many: new Uint32Array() });
    expect(() => lost.remove(cell, 3)).toThrow(/no overflow entry for person 3/);
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
    const free = [0, 1, 2, 3].map(() => new Uint32Array()).concat([new Uint32Array([1 << 20])]);
    expect(() => new PeopleArena(hashes, { threshold: 10 }).importState({ ...state, free })).toThrow(
      /free block of 9 words at 1048576 lies outside the pool/,
    );
    expect(() =>
      new PeopleArena(hashes, { threshold: 10 }).importState({ ...state, flags: new Uint8Array(2) }),
    ).toThrow(/differ in length/);
    const held = new PeopleArena(hashes, { threshold: 10 });
    held.add(held.create(), 3);
    const withBlock = held.exportState();
    const offset = withBlock.offset.slice();
    offset[0] = 1 << 20;
    expect(() => new PeopleArena(hashes, { threshold: 10 }).importState({ ...withBlock, offset })).toThrow(
      "cell 0's block lies outside the pool",
    );
    // Size classes no table has: below the smallest, and past the 12-slot table 10 people reach (class 10).
    for (const cls of [2, 11]) {
      const classes = withBlock.class.slice();
      classes[0] = cls;
      expect(() =>
        new PeopleArena(hashes, { threshold: 10 }).importState({ ...withBlock, class: classes }),
      ).toThrow(`cell 0 has a table of size class ${cls}, which no table has`);
    }
    const past = [...withBlock.free];
    while (past.length <= 11) past.push(new Uint32Array());
    past[11] = new Uint32Array([0]);
    expect(() =>
      new PeopleArena(hashes, { threshold: 10 }).importState({ ...withBlock, free: past }),
    ).toThrow('no blocks of class 11');
  });
});
