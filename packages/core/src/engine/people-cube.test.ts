import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HyperLogLog } from '../measures/hyperloglog.ts';
import type { PeopleSize } from '../measures/people-set.ts';
import { dayFromDate } from '../time/civil.ts';
import { AS_IS, AS_WAS, type ViewIndex } from './activity-cube.ts';
import { Hierarchy } from './hierarchy.ts';
import { PeopleCube } from './people-cube.ts';
import { firstDayOfMonthIndex, monthIndexOfDay } from './rollup-series.ts';
import { SnapshotReader, SnapshotWriter } from './snapshot-codec.ts';

const fcParams = { seed: 20_261_205, numRuns: 150, verbose: 1 } as const;

/** Small thresholds, so a few dozen people make sketches, stale sketches and month sketches. */
const OPTIONS = { threshold: 6, monthSketchAt: 10 } as const;
const SLOTS = 3;
const JAN = dayFromDate('2024-01-01');
/** January and February 2024 (leap), as month indices. */
const MONTHS = [monthIndexOfDay(JAN), monthIndexOfDay(JAN) + 1];

/** p → d1, d2; g1, g2 under d1 and g3, g4 under d2 (indices 0 … 6), all from December 2023. */
const tree = (): Hierarchy => {
  const h = new Hierarchy();
  const since = dayFromDate('2023-12-01');
  const p = h.register('p', 'province', -1, since, 'p');
  const d = [1, 2].map((i) => h.register(`d${i}`, 'district', p, since, `d${i}`));
  for (let i = 0; i < 4; i++) h.register(`g${i + 1}`, 'grassroots', d[i >> 1]!, since, `g${i + 1}`);
  return h;
};

type Op =
  | { t: 'add'; u: number; day: number; slot: number; persons: number[] }
  | { t: 'void'; pick: number }
  | { t: 'move'; g: number; toD2: boolean; day: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('add' as const),
      u: fc.nat(6),
      day: fc.integer({ min: JAN, max: JAN + 59 }),
      slot: fc.nat(SLOTS - 1),
      persons: fc.array(fc.nat(39), { minLength: 1, maxLength: 8 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('void' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('move' as const),
      g: fc.integer({ min: 3, max: 6 }),
      toD2: fc.boolean(),
      day: fc.integer({ min: JAN, max: JAN + 59 }),
    }),
  },
);

/** Whether unit u's participation on `day` counts under `node` in `view` (no merges or splits here). */
const countsUnder = (h: Hierarchy, u: number, node: number, view: ViewIndex, day: number) =>
  view === AS_WAS ? h.isWithinAt(u, node, day) : u === node || h.asIsAncestors(u, []).includes(node);

/** What a test has applied to its cube: the live participations, and each unit's last move. */
interface Model {
  readonly live: { u: number; day: number; slot: number; persons: string[] }[];
  readonly lastMove: Map<number, number>;
}

/** Applies one op to the cube and to the model alike. */
const applyOp = (h: Hierarchy, cube: PeopleCube, model: Model, o: Op) => {
  const { live, lastMove } = model;
  if (o.t === 'add') {
    // Days come in any order: the logs must keep them sorted for a range to be a binary search.
    const persons = o.persons.map((p) => `x${p}`);
    cube.add(o.u, o.day, o.slot, persons, 1);
    live.push({ u: o.u, day: o.day, slot: o.slot, persons });
  } else if (o.t === 'void' && live.length > 0) {
    const [gone] = live.splice(o.pick % live.length, 1);
    cube.add(gone!.u, gone!.day, gone!.slot, gone!.persons, -1);
  } else if (o.t === 'move') {
    // A unit's moves come in day order, as the ledger's rules keep them.
    const day = Math.max(o.day, (lastMove.get(o.g) ?? JAN - 1) + 1);
    lastMove.set(o.g, day);
    cube.reattribute(h.everSubtree(o.g), day, () => h.move(o.g, o.toD2 ? 2 : 1, day));
  }
};

/** An answer is the model's count when exact, else the estimate of a sketch of exactly the model's people. */
const expectPeople = (cube: PeopleCube, size: PeopleSize, people: ReadonlySet<string>, where: string) => {
  expect(size.stale, where).toBe(false);
  if (size.exact) {
    expect(size.value, where).toBe(people.size);
    return;
  }
  expect(size.value, where).toBe(estimateOf(cube, people));
};

/** A sketch's estimate of exactly these people, as the cube hashes them. */
const estimateOf = (cube: PeopleCube, names: Iterable<string>) => {
  const sketch = new HyperLogLog();
  for (const n of names) sketch.add(cube.registry.hashOf(cube.registry.intern(n)));
  return Math.round(sketch.estimate());
};

/** The cube's answers for every node, view and month, and both months together. */
const answers = (cube: PeopleCube, slotCount = SLOTS) =>
  [0, 1, 2, 3, 4, 5, 6].flatMap((node) =>
    [AS_WAS, AS_IS].flatMap((view) =>
      [[MONTHS[0]!], [MONTHS[1]!], MONTHS].map((months) => {
        const range = [
          firstDayOfMonthIndex(months[0]!),
          firstDayOfMonthIndex(months[months.length - 1]! + 1) - 1,
        ] as const;
        return { node, view, months, size: cube.distinct(node, view, [range], null, slotCount) };
      }),
    ),
  );

/** Whether the days `from` to `to` hold a whole month. */
const wholeMonthIn = (from: number, to: number) => {
  for (let m = monthIndexOfDay(from); m <= monthIndexOfDay(to); m++) {
    if (firstDayOfMonthIndex(m) >= from && firstDayOfMonthIndex(m + 1) - 1 <= to) return true;
  }
  return false;
};

/** Every node's and view's people from 11 January to 10 February: the end of one month, the start of the next. */
const edges = (cube: PeopleCube, slotCount = SLOTS) =>
  [0, 1, 2, 3, 4, 5, 6].flatMap((node) =>
    [AS_WAS, AS_IS].flatMap((view) =>
      [
        [JAN + 10, JAN + 40],
        [JAN + 3, JAN + 9],
      ].map((range) => cube.distinct(node, view, [range as [number, number]], null, slotCount)),
    ),
  );

/** A checkpoint's day registers, per view: the month records that have them and a digest of their bytes. */
const dayRegistersOf = (bytes: Uint8Array) => {
  const reader = new SnapshotReader(bytes);
  return (reader.header as ReturnType<PeopleCube['exportState']>).days.map((d) => ({
    records: [...reader.i32(d.records)],
    sha256: createHash('sha256')
      .update(reader.i32(d.days))
      .update(reader.u8(d.dense))
      .update(reader.u32(d.sparse))
      .digest('hex'),
  }));
};

describe('PeopleCube: month sketches', () => {
  it('rebuilds every stale roll-up to what a fold of only the participations left makes, from unit logs or gathered months', () => {
    // A unit's own people are read from its log, and a roll-up never holds them: were a rebuilt one to take
    // in the node's own, no union with the node's own people would show it, but its members would.
    const grids = (c: PeopleCube) => {
      const { was, is } = c.footprint();
      return [was, is].map(({ members, sketches, stale, loose }) => ({ members, sketches, stale, loose }));
    };
    for (const monthLogFrom of [0, 64]) {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
          const h = tree();
          const options = { ...OPTIONS, monthLogFrom };
          const cube = new PeopleCube(h, options);
          const model: Model = { live: [], lastMove: new Map() };
          for (const o of ops) applyOp(h, cube, model, o);
          const clean = new PeopleCube(h, options);
          for (const e of model.live) clean.add(e.u, e.day, e.slot, e.persons, 1);
          expect(cube.refreshStale()).toBe(0);
          expect(clean.refreshStale()).toBe(0);
          expect(grids(cube), `monthLogFrom ${monthLogFrom}`).toEqual(grids(clean));
        }),
        fcParams,
      );
    }
  });

  it('answers a whole month of every kind exactly, or as the sketch of exactly its people, never stale', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const h = tree();
        const cube = new PeopleCube(h, OPTIONS);
        const model: Model = { live: [], lastMove: new Map() };
        const { live } = model;
        /** Every answer against the model; read midway too, so sketches made by a read must keep up. */
        const check = () => {
          const got = answers(cube);
          for (const { node, view, months, size } of got) {
            const people = new Set<string>();
            // The model's parts, by their true sizes: the node's own people of the month (read from its log,
            // all slots at once) and its descendants' cells of each slot.
            const parts = new Map<string, Set<string>>();
            for (const e of live) {
              if (!months.includes(monthIndexOfDay(e.day)) || !countsUnder(h, e.u, node, view, e.day))
                continue;
              const part = `${monthIndexOfDay(e.day)}:${e.u === node ? 'own' : `${e.slot}:desc`}`;
              if (!parts.has(part)) parts.set(part, new Set());
              for (const p of e.persons) {
                people.add(p);
                parts.get(part)!.add(p);
              }
            }
            const where = `node ${node}, view ${view}, months ${months}`;
            expectPeople(cube, size, people, where);
            const members = [...parts.values()].reduce((n, s) => n + s.size, 0);
            if (months.length === 1 && members > OPTIONS.monthSketchAt) expect(size.exact, where).toBe(false);
          }
          return got;
        };
        for (const [i, o] of ops.entries()) {
          if (i === ops.length >> 1) check();
          applyOp(h, cube, model, o);
        }
        const got = check();
        // Whatever stale cells the reads left (month sketches not read), a refresh sees them all; a
        // checkpoint's cube answers the same.
        expect(cube.refreshStale()).toBe(0);
        const w = new SnapshotWriter();
        const bytes = w.finish(cube.exportState(w));
        const reader = new SnapshotReader(bytes);
        const restored = new PeopleCube(h, OPTIONS);
        restored.importState(reader, reader.header as ReturnType<PeopleCube['exportState']>);
        expect(answers(restored)).toEqual(got);
        // Days at both ends of a period come from the months' day registers, which the checkpoint keeps.
        expect(edges(restored)).toEqual(edges(cube));
        const again = new SnapshotWriter();
        expect(dayRegistersOf(again.finish(restored.exportState(again)))).toEqual(dayRegistersOf(bytes));
      }),
      fcParams,
    );
  });

  it('answers the same after an idle refresh packs and shares its cells, compacts them and repacks its logs, and goes on the same as a cube that did not', () => {
    let compacted = 0;
    let repacked = 0;
    let packed = 0;
    let shared = 0;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.array(op, { maxLength: 30 }), (ops, more) => {
        const h = tree();
        const twin = tree();
        // Every month's cells packed (none left open), against a cube that neither packs nor compacts.
        const cube = new PeopleCube(h, { ...OPTIONS, compactFrom: 0, openMonths: 0 });
        const never = new PeopleCube(twin, { ...OPTIONS, compactFrom: 2 ** 40, openMonths: 2 ** 20 });
        const model: Model = { live: [], lastMove: new Map() };
        const twinModel: Model = { live: [], lastMove: new Map() };
        const both = (o: Op) => {
          applyOp(h, cube, model, o);
          applyOp(twin, never, twinModel, o);
        };
        ops.forEach(both);
        // Stale cells first, stopping as the queue empties (no time left for a compaction), then idle again.
        for (const c of [cube, never]) c.refreshStale(() => c.pendingRefresh === 0);
        const free = cube.footprint().arena.freeBytes;
        expect(never.footprint().arena.freeBytes).toBe(free);
        const logBytes = cube.footprint().logs.bytes;
        expect(never.footprint().logs.bytes).toBe(logBytes);
        cube.refreshStale();
        never.refreshStale();
        // The logs moved to a new pool when an eighth of their old one's carved words were free.
        if (cube.footprint().logs.bytes < logBytes) repacked++;
        expect(never.footprint().logs.bytes).toBe(logBytes);
        // Compacted when an eighth of the words in use were free (packing and sharing free more): then none is.
        const after = cube.footprint().arena.freeBytes;
        if (after === 0 && free > 0) compacted++;
        else expect(after).toBeGreaterThanOrEqual(free);
        expect(never.footprint().arena.freeBytes).toBe(free);
        expect(cube.footprint().arena.usedBytes).toBeLessThanOrEqual(never.footprint().arena.usedBytes);
        const { was, is } = cube.footprint();
        expect(never.footprint().was.packed + never.footprint().is.packed).toBe(0);
        // Every exact roll-up is packed; an as-is one shares only with its node's as-was one.
        expect(was.packed).toBe(was.cells - was.sketches - was.empty);
        expect(is.packed).toBe(is.cells - is.sketches - is.empty);
        expect(is.shared).toBeLessThanOrEqual(is.packed);
        if (was.packed > 0) packed++;
        if (is.shared > 0) shared++;
        const grids = (c: PeopleCube) =>
          [c.footprint().was, c.footprint().is].map(({ members, sketches, stale, loose }) => ({
            members,
            sketches,
            stale,
            loose,
          }));
        expect(grids(cube)).toEqual(grids(never));
        expect(answers(cube)).toEqual(answers(never));
        expect(edges(cube)).toEqual(edges(never));
        // New tables come from the compacted pool's top, cells emptied afterwards free blocks again, and
        // packed or shared cells written to open into tables of their own.
        more.forEach(both);
        expect(answers(cube)).toEqual(answers(never));
        expect(edges(cube)).toEqual(edges(never));
        expect(grids(cube)).toEqual(grids(never));
        // Packed and shared again, and through a checkpoint, the same.
        cube.refreshStale();
        never.refreshStale();
        const w = new SnapshotWriter();
        const reader = new SnapshotReader(w.finish(cube.exportState(w)));
        const restored = new PeopleCube(h, { ...OPTIONS, compactFrom: 0, openMonths: 0 });
        restored.importState(reader, reader.header as ReturnType<PeopleCube['exportState']>);
        for (const c of [cube, restored]) {
          expect(answers(c)).toEqual(answers(never));
          expect(edges(c)).toEqual(edges(never));
          expect(grids(c)).toEqual(grids(never));
        }
      }),
      fcParams,
    );
    expect(compacted).toBeGreaterThan(fcParams.numRuns / 4);
    expect(repacked).toBeGreaterThan(fcParams.numRuns / 10);
    expect(packed).toBeGreaterThan(fcParams.numRuns / 2);
    expect(shared).toBeGreaterThan(fcParams.numRuns / 4);
  });

  it('answers the same whether its units’ participation logs are compact or, with slots past 127, narrow, or past 8,191, wide', () => {
    // Slots 0, 1, 2 as `from`, `from` + 1, `from` + 2: a log changes layout when its unit first records the
    // last (compact logs hold slots below 128, narrow ones below 8,192).
    const layouts = [126, 8_190];
    const widthsOf = (cube: PeopleCube) => {
      const w = new SnapshotWriter();
      const reader = new SnapshotReader(w.finish(cube.exportState(w)));
      return [...reader.u8((reader.header as ReturnType<PeopleCube['exportState']>).logs.widths)];
    };
    const seen = new Set<number>();
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.nat(60), (ops, cut) => {
        const h = tree();
        const compact = new PeopleCube(h, OPTIONS);
        const model: Model = { live: [], lastMove: new Map() };
        const twins = layouts.map((from) => ({
          from,
          h: tree(),
          cube: new PeopleCube(tree(), OPTIONS),
          model: { live: [], lastMove: new Map() } as Model,
        }));
        for (const t of twins) t.cube = new PeopleCube(t.h, OPTIONS);
        ops.forEach((o, i) => {
          for (const t of twins) {
            if (i === cut) {
              const w = new SnapshotWriter();
              const reader = new SnapshotReader(w.finish(t.cube.exportState(w)));
              t.cube = new PeopleCube(t.h, OPTIONS);
              t.cube.importState(reader, reader.header as ReturnType<PeopleCube['exportState']>);
            }
            applyOp(t.h, t.cube, t.model, o.t === 'add' ? { ...o, slot: o.slot + t.from } : o);
          }
          applyOp(h, compact, model, o);
        });
        for (const t of twins) {
          expect(answers(t.cube, t.from + SLOTS)).toEqual(answers(compact));
          expect(edges(t.cube, t.from + SLOTS)).toEqual(edges(compact));
        }
        expect(widthsOf(compact).every((w) => w === 1)).toBe(true);
        for (const w of widthsOf(twins[0]!.cube)) seen.add(w);
        for (const w of widthsOf(twins[1]!.cube)) seen.add(w === 2 ? 4 : w);
      }),
      fcParams,
    );
    // Compact and narrow logs in the first twin, narrow (counted as 4) and wide ones in the second.
    expect([...seen].sort()).toEqual([1, 2, 3, 4]);
  });

  it('makes a month sketch in the fold once the descendants pass monthSketchAt, counting no unit’s own months', () => {
    const h = tree();
    const cube = new PeopleCube(h, OPTIONS);
    const people = (from: number, n: number) => Array.from({ length: n }, (_, i) => `y${from + i}`);
    // g1 (under d1, under p): 5 + 5 members in two kinds (each cell exact under 6), repeats included.
    cube.add(3, JAN + 3, 0, people(0, 5), 1);
    cube.add(3, JAN + 4, 1, people(2, 5), 1);
    cube.add(3, JAN + 5, 0, people(0, 5), 1);
    const months = () => cube.footprint().months;
    // d1 and p count their descendants' 10 members; g1's own months make no record.
    expect(months().was).toMatchObject({ records: 2, sketches: 0 });
    expect(months().is).toMatchObject({ records: 2, sketches: 0 });
    expect(cube.distinct(0, AS_WAS, [[JAN, JAN + 30]], null, SLOTS)).toEqual({
      value: 7,
      exact: true,
      stale: false,
    });
    // An 11th passes monthSketchAt: d1's and p's months get their sketches in the fold.
    cube.add(3, JAN + 6, 1, people(50, 1), 1);
    expect(months().was).toMatchObject({ records: 2, sketches: 2 });
    expect(months().is).toMatchObject({ records: 2, sketches: 2 });
    const before = cube.distinct(0, AS_WAS, [[JAN, JAN + 30]], null, SLOTS);
    expect(before).toMatchObject({ exact: false, stale: false });
    cube.add(4, JAN + 6, 2, people(100, 1), 1);
    expect(cube.distinct(0, AS_WAS, [[JAN, JAN + 30]], null, SLOTS).value).toBeGreaterThan(before.value);
  });

  it('reads every whole month from its sketch once one is, and the fold keeps a sketch a read made', () => {
    const h = tree();
    const cube = new PeopleCube(h, OPTIONS);
    const people = (from: number, n: number) => Array.from({ length: n }, (_, i) => `z${from + i}`);
    const feb = firstDayOfMonthIndex(MONTHS[1]!);
    const both = [[JAN, feb + 28]] as const;
    // February passes monthSketchAt (12 members); January has 4 members, read exactly on its own.
    cube.add(3, feb + 1, 0, people(0, 6), 1);
    cube.add(5, feb + 2, 1, people(6, 6), 1);
    cube.add(4, JAN + 2, 0, people(100, 4), 1);
    const estimate = (names: readonly string[]) => estimateOf(cube, names);
    expect(cube.distinct(0, AS_WAS, [[JAN, JAN + 30]], null, SLOTS)).toEqual({
      value: 4,
      exact: true,
      stale: false,
    });
    const sketchesBefore = cube.footprint().months.was.sketches;
    const registersBefore = cube.footprint().days.records;
    const answer = cube.distinct(0, AS_WAS, both, null, SLOTS);
    expect(answer).toMatchObject({ value: estimate([...people(0, 12), ...people(100, 4)]), exact: false });
    // The read made January's sketch for p, without day registers (January is not large in its own right);
    // January alone still reads exactly from its cells.
    expect(cube.footprint().months.was.sketches).toBe(sketchesBefore + 1);
    expect(cube.footprint().days.records).toBe(registersBefore);
    expect(cube.distinct(0, AS_WAS, [[JAN, JAN + 30]], null, SLOTS).exact).toBe(true);
    // A later join in January reaches the read-made sketch through the fold, and a leave stales it until read.
    cube.add(6, JAN + 9, 2, people(200, 2), 1);
    expect(cube.distinct(0, AS_WAS, both, null, SLOTS).value).toBe(
      estimate([...people(0, 12), ...people(100, 4), ...people(200, 2)]),
    );
    cube.add(4, JAN + 2, 0, people(100, 4), -1);
    expect(cube.footprint().months.was.stale).toBeGreaterThan(0);
    expect(cube.distinct(0, AS_WAS, both, null, SLOTS)).toMatchObject({
      value: estimate([...people(0, 12), ...people(200, 2)]),
      stale: false,
    });
  });

  it.each([
    ['small thresholds: sketches, month sketches and day registers', OPTIONS],
    // Everyone fits in exact cells, so any days of a month are read from the cells' members' days.
    ['exact cells throughout: days from the cells', { threshold: 40, monthSketchAt: 1_000 }],
    // Where a cell is a sketch, every subtree's days inside a month from its month's participations gathered
    // in day order, kept in step with the adds, voids and moves that follow; with a budget so small they keep
    // being dropped.
    ['month logs for every subtree', { ...OPTIONS, monthLogFrom: 0 }],
    [
      'month logs for every subtree, no month sketches',
      { threshold: 2, monthSketchAt: 1_000, monthLogFrom: 0 },
    ],
    [
      'month logs dropped past a budget of 8',
      { threshold: 2, monthSketchAt: 1_000, monthLogFrom: 0, monthLogBudget: 8 },
    ],
  ])(
    'answers any range of days, backdated and voided participations included, as the model does, with %s',
    (_, options) => {
      const range = fc
        .tuple(fc.integer({ min: JAN - 3, max: JAN + 62 }), fc.nat(40))
        .map(([from, span]) => [from, from + span] as const);
      fc.assert(
        fc.property(
          fc.array(op, { maxLength: 50 }),
          fc.array(range, { minLength: 1, maxLength: 4 }),
          (ops, ranges) => {
            const h = tree();
            const cube = new PeopleCube(h, options);
            const model: Model = { live: [], lastMove: new Map() };
            const { live } = model;
            /** Every range against the model; asked midway too, so what a read keeps must keep up. */
            const check = () => {
              for (const [from, to] of ranges) {
                for (const node of [0, 1, 3]) {
                  for (const view of [AS_WAS, AS_IS]) {
                    for (const [mask, ownOnly] of [
                      [null, false],
                      [Uint8Array.of(1, 0, 1), false],
                      [null, true],
                    ] as const) {
                      const people = new Set<string>();
                      for (const e of live) {
                        if (e.day < from || e.day > to || (mask !== null && mask[e.slot] !== 1)) continue;
                        if (ownOnly ? e.u !== node : !countsUnder(h, e.u, node, view, e.day)) continue;
                        for (const p of e.persons) people.add(p);
                      }
                      const size = cube.distinct(node, view, [[from, to]], mask, SLOTS, ownOnly);
                      const where = `node ${node}, view ${view}, ${from}..${to}, mask ${mask}, own ${ownOnly}`;
                      expectPeople(cube, size, people, where);
                      // Without a whole month (read as its month sketch once its cells are large), a set as small as
                      // a cell's exact threshold is counted exactly, whichever way its days are read.
                      if (!wholeMonthIn(from, to) && people.size <= options.threshold) {
                        expect(size.exact, where).toBe(true);
                      }
                    }
                  }
                }
              }
            };
            for (const [i, o] of ops.entries()) {
              if (i === ops.length >> 1) check();
              applyOp(h, cube, model, o);
            }
            check();
          },
        ),
        { ...fcParams, numRuns: 100 },
      );
    },
  );

  it('reads the days of a large subtree month from its day registers, which forget a day taken back', () => {
    const h = tree();
    const cube = new PeopleCube(h, OPTIONS);
    const people = (from: number, n: number) => Array.from({ length: n }, (_, i) => `y${from + i}`);
    const estimate = (names: readonly string[]) => estimateOf(cube, names);
    // 12 people on 3 January pass monthSketchAt: d1 and p get January's sketch and its day registers in
    // both views; g1's own month, read from its log, makes none.
    cube.add(3, JAN + 2, 0, people(0, 12), 1);
    expect(cube.footprint().days.records).toBe(4);
    // z comes on the 3rd and again on the 21st, with 10 others; then the 21st's participation is voided.
    cube.add(3, JAN + 2, 1, ['z'], 1);
    cube.add(3, JAN + 20, 1, ['z'], 1);
    cube.add(4, JAN + 20, 2, people(100, 10), 1);
    const late = [[JAN + 15, JAN + 25]] as const;
    expect(cube.distinct(0, AS_WAS, late, null, SLOTS)).toMatchObject({
      value: estimate([...people(100, 10), 'z']),
      exact: false,
    });
    cube.add(3, JAN + 20, 1, ['z'], -1);
    // z is still in January's cells (the 3rd), but no longer in the days from the 16th.
    for (const view of [AS_WAS, AS_IS]) {
      expect(cube.distinct(0, view, late, null, SLOTS)).toMatchObject({
        value: estimate(people(100, 10)),
        exact: false,
        stale: false,
      });
    }
    // Five people on those days (the threshold is 6) are read exactly, from the logs, registers or not.
    cube.add(4, JAN + 20, 2, people(100, 10), -1);
    cube.add(3, JAN + 21, 0, people(200, 5), 1);
    expect(cube.distinct(0, AS_WAS, late, null, SLOTS)).toEqual({ value: 5, exact: true, stale: false });
  });

  it('reads the days of a large month from its registers once the whole answer is certainly large', () => {
    const h = tree();
    const cube = new PeopleCube(h, OPTIONS);
    const people = (from: number, n: number) => Array.from({ length: n }, (_, i) => `y${from + i}`);
    const estimate = (names: readonly string[]) => estimateOf(cube, names);
    const feb = firstDayOfMonthIndex(MONTHS[1]!);
    // January is large (a cell of 12 is a sketch: day registers); its last week holds 4 people. February's
    // first days hold 6 others, in exact cells.
    cube.add(3, JAN + 2, 0, people(0, 12), 1);
    cube.add(4, JAN + 26, 1, people(100, 4), 1);
    cube.add(5, feb + 1, 2, people(200, 6), 1);
    // January's days alone are few: counted exactly, from the logs.
    expect(cube.distinct(0, AS_WAS, [[JAN + 24, JAN + 30]], null, SLOTS)).toEqual({
      value: 4,
      exact: true,
      stale: false,
    });
    // With February's first days the answer is certainly past the threshold of 6: January's days come from
    // its registers, and the answer is the estimate of exactly those 10 people.
    for (const view of [AS_WAS, AS_IS]) {
      expect(cube.distinct(0, view, [[JAN + 24, feb + 4]], null, SLOTS)).toEqual({
        value: estimate([...people(100, 4), ...people(200, 6)]),
        exact: false,
        relativeError: expect.any(Number),
        stale: false,
      });
    }
    // Fewer than that, and the logs answer exactly however the days are split.
    cube.add(5, feb + 1, 2, people(202, 4), -1);
    expect(cube.distinct(0, AS_WAS, [[JAN + 24, feb + 4]], null, SLOTS)).toEqual({
      value: 6,
      exact: true,
      stale: false,
    });
  });

  it('reads days inside a month from the month logs it gathers, kept in step with adds, voids and moves', () => {
    const h = tree();
    // Cells of more than one person are sketches, which know no days, and a read of two kinds of three has no
    // month sketch's day registers: every subtree's days from its gathered month log (answers of two or three
    // people, which a sketch of 4,096 registers counts exactly).
    const cube = new PeopleCube(h, { threshold: 1, monthSketchAt: 1_000, monthLogFrom: 0 });
    const week = [[JAN + 7, JAN + 13]] as const;
    const kinds = Uint8Array.of(1, 1, 0);
    const count = (node: number, view: ViewIndex) => cube.distinct(node, view, week, kinds, SLOTS).value;
    cube.add(3, JAN + 9, 0, ['a', 'b'], 1);
    cube.add(5, JAN + 10, 1, ['c'], 1);
    // Someone of the third kind, after the week.
    cube.add(6, JAN + 20, 2, ['e'], 1);
    // Gathered by the first reads: d1 has g1's a and b, the province everyone in the week.
    expect([count(1, AS_WAS), count(1, AS_IS), count(0, AS_WAS)]).toEqual([2, 2, 3]);
    expect(cube.footprint().monthLogs).toMatchObject({ months: 3, participations: 8 });
    // Kept in step: a new person in g2 (under d1), then b's participation voided.
    cube.add(4, JAN + 12, 1, ['d'], 1);
    cube.add(3, JAN + 9, 0, ['b'], -1);
    expect([count(1, AS_WAS), count(1, AS_IS), count(0, AS_WAS)]).toEqual([2, 2, 3]);
    // d joined the three logs; the void took b's participation back out of them.
    expect(cube.footprint().monthLogs.participations).toBe(8);
    // g1 moves to d2 from 1 January: as-was and as-is its week is d2's now, and the gathered logs went.
    cube.reattribute(h.everSubtree(3), JAN, () => h.move(3, 2, JAN));
    expect(cube.footprint().monthLogs).toMatchObject({ months: 0, participations: 0 });
    for (const view of [AS_WAS, AS_IS]) {
      expect([count(1, view), count(2, view), count(0, view)], `view ${view}`).toEqual([1, 2, 3]);
    }
  });

  it('gathers ahead, in the idle refresh, the month logs of subtree months with a sketch cell that may need them', () => {
    const h = tree();
    const cube = new PeopleCube(h, { ...OPTIONS, monthLogFrom: 0 });
    const feb = firstDayOfMonthIndex(MONTHS[1]!);
    const people = (from: number, n: number) => Array.from({ length: n }, (_, i) => `y${from + i}`);
    // January: 20 people in g1 every day. Its cells are sketches, but every day certainly holds more than a
    // set keeps exactly (6): the day registers answer any of its days, and nothing is gathered.
    for (let d = 0; d < 31; d++) cube.add(3, JAN + d, 0, people(0, 20), 1);
    cube.refreshStale();
    expect(cube.footprint().monthLogs.months).toBe(0);
    // February: 12 people on the 3rd and one on the 10th, whose days only the logs can tell exactly: d1's
    // and p's months are gathered, in both views, before anyone asks.
    cube.add(3, feb + 2, 0, people(100, 12), 1);
    cube.add(3, feb + 9, 0, ['lone'], 1);
    expect(cube.pendingRefresh).toBeGreaterThan(0);
    cube.refreshStale();
    expect(cube.footprint().monthLogs).toMatchObject({ months: 4, participations: 52 });
    for (const view of [AS_WAS, AS_IS]) {
      expect(cube.distinct(0, view, [[feb + 5, feb + 11]], null, SLOTS)).toEqual({
        value: 1,
        exact: true,
        stale: false,
      });
    }
    expect(cube.footprint().monthLogs.months).toBe(4);
    // Month logs are not checkpointed: a restored cube lists the same months again and gathers them.
    const w = new SnapshotWriter();
    const bytes = w.finish(cube.exportState(w));
    const restored = new PeopleCube(h, { ...OPTIONS, monthLogFrom: 0 });
    const reader = new SnapshotReader(bytes);
    restored.importState(reader, reader.header as ReturnType<PeopleCube['exportState']>);
    expect(restored.footprint().monthLogs.months).toBe(0);
    restored.refreshStale();
    expect(restored.footprint().monthLogs).toMatchObject({ months: 4, participations: 52 });
    // Ahead of reads, only what fits in the budget: two of the four months' 13 participations in 30.
    const tight = new PeopleCube(h, { ...OPTIONS, monthLogFrom: 0, monthLogBudget: 30 });
    const again = new SnapshotReader(bytes);
    tight.importState(again, again.header as ReturnType<PeopleCube['exportState']>);
    tight.refreshStale();
    expect(tight.footprint().monthLogs).toMatchObject({ months: 2, participations: 26 });
  });

  it('reads any days of a month from its cells, and makes days a void left loose true again', () => {
    const h = tree();
    const exact = { threshold: 40, monthSketchAt: 1_000 } as const;
    const cube = new PeopleCube(h, exact);
    const feb = firstDayOfMonthIndex(MONTHS[1]!);
    // In g1 (unit 3): a twice on 3 January, on the 5th and on the 20th in one kind, and on 28 January in
    // another; b on 25 January.
    cube.add(3, JAN + 2, 0, ['a'], 1);
    cube.add(3, JAN + 2, 0, ['a'], 1);
    cube.add(3, JAN + 4, 0, ['a'], 1);
    cube.add(3, JAN + 19, 0, ['a'], 1);
    cube.add(3, JAN + 27, 1, ['a'], 1);
    cube.add(4, JAN + 24, 2, ['b'], 1);
    const loose = () => {
      const { was, is } = cube.footprint();
      return was.loose + is.loose;
    };
    expect(loose()).toBe(0);
    const late = [[JAN + 14, feb + 9]] as const;
    const early = [[JAN - 10, JAN + 2]] as const;
    const lateKind0 = Uint8Array.of(1, 0, 1);
    const people = (
      ranges: readonly (readonly [number, number])[],
      mask: Uint8Array | null,
      view: ViewIndex,
    ) => cube.distinct(0, view, ranges, mask, SLOTS).value;
    for (const view of [AS_WAS, AS_IS]) {
      expect([people(late, null, view), people(late, lateKind0, view), people(early, null, view)]).toEqual([
        2, 2, 1,
      ]);
    }
    // A week inside the month, from the cells: a on the 20th.
    const inside = [[JAN + 15, JAN + 21]] as const;
    expect([AS_WAS, AS_IS].map((view) => people(inside, lateKind0, view))).toEqual([1, 1]);
    // The 20th is taken back: a stays in the first kind's cells (3 and 5 January), but with two
    // participations on one day, whether the 20th had another the cells cannot know without looking. d1's
    // and p's cells of that kind are loose (g1's own people are read from its log, which knows).
    cube.add(3, JAN + 19, 0, ['a'], -1);
    expect(cube.footprint().was.loose).toBe(2);
    expect(cube.footprint().is.loose).toBe(2);
    // Read from the 15th in that kind, a is gone; with the other kind a is back (28 January). A read of the
    // first days finds a's first day where it was: each loose cell it needs is made true again first.
    for (const view of [AS_WAS, AS_IS]) {
      expect([people(late, lateKind0, view), people(late, null, view), people(early, null, view)]).toEqual([
        1, 2, 1,
      ]);
    }
    // What the reads did not need, the idle refresh does; then nothing is loose.
    cube.refreshStale();
    expect(loose()).toBe(0);
    expect([AS_WAS, AS_IS].map((view) => people(inside, lateKind0, view))).toEqual([0, 0]);
    expect(people([[JAN + 3, JAN + 30]], lateKind0, AS_WAS)).toBe(2);
    expect(people([[JAN + 5, JAN + 30]], lateKind0, AS_WAS)).toBe(1);
  });

  it('refuses a checkpoint whose participation log is out of day order, or not whole', () => {
    const h = tree();
    const cube = new PeopleCube(h, OPTIONS);
    cube.add(3, JAN + 9, 0, ['a'], 1);
    cube.add(3, JAN + 2, 1, ['b'], 1);
    cube.add(4, JAN + 5, 0, ['a'], 1);
    const w = new SnapshotWriter();
    const bytes = w.finish(cube.exportState(w));
    const header = () => new SnapshotReader(bytes).header as ReturnType<PeopleCube['exportState']>;
    const restore = () => {
      const reader = new SnapshotReader(bytes);
      new PeopleCube(h, OPTIONS).importState(reader, header());
    };
    expect(restore).not.toThrow();
    // Kept in day order although the later day came first. Compact: the days since 1900 as 16 bits each,
    // two to a word (the first in the low half), then per participation its person × 2^8 + its slot
    // doubled (plus 1 for a removal).
    const reader = new SnapshotReader(bytes);
    const logs = reader.i32(header().logs.data);
    const since1900 = (day: number) => day - dayFromDate('1900-01-01');
    expect([...logs]).toEqual([
      since1900(JAN + 2) + since1900(JAN + 9) * 2 ** 16 - 2 ** 32,
      (1 << 8) + 2,
      0,
      since1900(JAN + 5),
      0,
    ]);
    const inOrder = logs[0]!;
    logs[0] = since1900(JAN + 9) + since1900(JAN + 2) * 2 ** 16 - 2 ** 32;
    expect(restore).toThrow(/participation log of unit 3 is not in day order/);
    // Within a day the slots may come in any order: only the days must not fall.
    logs[0] = since1900(JAN + 9) + since1900(JAN + 9) * 2 ** 16 - 2 ** 32;
    expect(restore).not.toThrow();
    logs[0] = inOrder;
    const widths = reader.u8(header().logs.widths);
    const lengths = reader.i32(header().logs.lengths);
    expect([...widths, ...lengths]).toEqual([1, 1, 3, 2]);
    // One word is no compact log: n participations take ceil(n / 2) + n.
    lengths.set([1, 4]);
    expect(restore).toThrow("participation log of unit 3 has 1 words, not a compact log's");
    lengths.set([3, 2]);
    // Read as three words an entry, the two words of unit 4 are not whole entries.
    widths[1] = 3;
    expect(restore).toThrow('ListIndex: the list of 4 runs past the data');
    // Two words as one entry of two: whole, a narrow log's, but one starting before 1900.
    widths[1] = 2;
    lengths[1] = 1;
    logs[3] = -1;
    expect(restore).toThrow(/participation log of unit 4 starts before 1900/);
    // All five words as one entry of five (and none for unit 4): whole, but no log has such entries.
    lengths.set([1, 0]);
    widths[0] = 5;
    expect(restore).toThrow(/participation log of unit 3 has entries of 5 words/);
  });

  it('keeps a log in three words an entry once a slot is past what two hold, and answers the same', () => {
    const h = tree();
    const cube = new PeopleCube(h, OPTIONS);
    cube.add(3, JAN + 9, 0, ['a'], 1);
    cube.add(3, JAN + 2, 9_000, ['b', 'c'], 1);
    cube.add(3, JAN + 2, 9_000, ['b'], -1);
    const w = new SnapshotWriter();
    const bytes = w.finish(cube.exportState(w));
    const reader = new SnapshotReader(bytes);
    const header = reader.header as ReturnType<PeopleCube['exportState']>;
    expect([...reader.u8(header.logs.widths)]).toEqual([3]);
    // Day, person, slot doubled plus 1 for a removal: the removal after what it takes back, on its day.
    expect([...reader.i32(header.logs.data)]).toEqual([
      JAN + 2,
      1,
      18_000,
      JAN + 2,
      2,
      18_000,
      JAN + 2,
      1,
      18_001,
      JAN + 9,
      0,
      0,
    ]);
    const restored = new PeopleCube(h, OPTIONS);
    restored.importState(reader, header);
    for (const c of [cube, restored]) {
      expect(c.distinct(3, AS_WAS, [[JAN, JAN + 30]], null, 9_001)).toMatchObject({ value: 2, exact: true });
      expect(c.distinct(3, AS_WAS, [[JAN + 1, JAN + 3]], null, 9_001)).toMatchObject({
        value: 1,
        exact: true,
      });
    }
  });
});
