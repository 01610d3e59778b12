import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Level } from '../events/organisation.ts';
import { Hierarchy } from './hierarchy.ts';
import { SnapshotReader, SnapshotWriter } from './snapshot-codec.ts';

const fcParams = { seed: 20_261_205, numRuns: 150, verbose: 1 } as const;

type Op = [kind: number, a: number, b: number, day: number, text: string];
const op = fc.tuple(
  fc.nat(8),
  fc.nat(1000),
  fc.nat(1000),
  fc.integer({ min: 0, max: 60 }),
  fc.string(),
) as fc.Arbitrary<Op>;

/**
 * Applies random changes to a tree whose parents always precede their children (so no change makes a cycle):
 * registrations, renames with and without short names, moves, merges, splits, dissolutions and groups.
 */
const grow = (ops: readonly Op[], afterEach?: (h: Hierarchy) => void): Hierarchy => {
  const h = new Hierarchy();
  h.register('root', 'central', -1, 0, 'Trung ương');
  const live = () => h.units.filter((u) => u.end === undefined).map((u) => u.index);
  for (const [kind, a, b, day, text] of ops) {
    const units = live();
    const u = units[a % units.length]!;
    const earlier = units.filter((x) => x < u);
    const p = earlier.length > 0 ? earlier[b % earlier.length]! : undefined;
    switch (kind) {
      case 0:
      case 1:
        h.register(
          `u${h.size}`,
          Level.options[1 + (b % 5)]!,
          u,
          day,
          text || `Đơn vị ${h.size}`,
          a % 2 ? text : undefined,
        );
        break;
      case 2:
        h.rename(u, day, `${text}.`, b % 2 ? 'ngắn' : undefined);
        break;
      case 3:
        if (p !== undefined) h.move(u, p, day);
        break;
      case 4:
        if (p !== undefined && p !== 0) h.merge(u, p, day);
        break;
      case 5: {
        const others = earlier.filter((x) => x !== 0 && x !== p);
        if (p !== undefined && p !== 0 && others.length > 0) {
          const q = others[a % others.length]!;
          h.split(
            u,
            [
              { unit: p, weight: 1 + (a % 3) },
              { unit: q, weight: 2 },
            ],
            p,
            new Map(),
            day,
          );
        }
        break;
      }
      case 6:
        if (u !== 0 && b % 3 === 0) h.dissolve(u, day);
        break;
      case 7:
        h.joinGroup(u, `g${b % 3}`, day);
        break;
      default:
        h.leaveGroup(u, `g${b % 3}`, day);
    }
    afterEach?.(h);
  }
  return h;
};

const roundTrip = (h: Hierarchy): Hierarchy => {
  const w = new SnapshotWriter();
  const r = new SnapshotReader(w.finish(h.exportState(w)));
  const restored = new Hierarchy();
  restored.importState(r, r.header as ReturnType<Hierarchy['exportState']>);
  return restored;
};

/** What the rest of the engine reads of a tree, unit by unit. */
const reading = (h: Hierarchy) =>
  h.units.map((u) => ({
    unit: u,
    byId: h.indexOf(u.id),
    everChildren: [...h.everChildren(u.index)],
    arrivals: h.childrenByArrival(u.index),
    everSubtree: h.everSubtree(u.index),
    predecessors: h.predecessors(u.index),
    chains: [0, 15, 30, 45, 61].map((day) => h.chainAt(u.index, day)),
    asIs: h.isAsIsNode(u.index) ? h.asIsSubtree(u.index) : null,
  }));

describe('Hierarchy checkpoint', () => {
  it('restores the same tree: records, ever-children in their order, absorbed units, chains and subtrees', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 120 }), fc.nat(), (ops, touched) => {
        const h = grow(ops);
        const restored = roundTrip(h);
        // Breakdowns order a parent's ever-children from the columns, before any record is built.
        const fresh = roundTrip(h);
        for (let u = 0; u < h.size; u++) expect(fresh.childrenByArrival(u)).toEqual(h.childrenByArrival(u));
        // A checkpoint of a restored tree that built little (one unit's chain and ever-children) is the same tree.
        const half = roundTrip(h);
        half.chainAt(touched % half.size, 30);
        half.everChildren(touched % half.size);
        expect(reading(roundTrip(half))).toEqual(reading(h));
        // Changed and read before the rest of its records are built (a restore builds them on first use),
        // beside a tree grown alike.
        const twin = grow(ops);
        const early = roundTrip(h);
        const u = touched % twin.size;
        for (const t of [twin, early]) {
          if (t.unit(u).end !== undefined) continue;
          t.rename(u, 64, 'Tên mới', 'mới');
          t.register('early', 'branch', u, 65, 'Chi đoàn sớm');
          t.joinGroup(u, 'g9', 66);
        }
        expect(early.chainAt(early.size - 1, 66)).toEqual(twin.chainAt(twin.size - 1, 66));
        expect(early.indexOf('early')).toEqual(twin.indexOf('early'));
        expect(reading(early)).toEqual(reading(twin));
        // The restored tree goes on changing like the original.
        for (const t of [h, restored]) t.register('late', 'branch', t.size - 1, 70, 'Chi đoàn mới');
        expect(reading(restored)).toEqual(reading(h));
      }),
      fcParams,
    );
  });

  it('keeps cached chains right through every change: each answers as a walk of the tree would', () => {
    const days = [0, 15, 30, 45, 61];
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 120 }), (ops) => {
        // Every chain read (so cached) after every change, then checked against a fresh walk: a change that
        // forgot to drop a chain it altered leaves a cached one that disagrees.
        grow(ops, (h) => {
          for (let u = 0; u < h.size; u++) {
            for (const day of days) expect(h.chainAt(u, day)).toEqual(h.ancestorsAt(u, day, []));
            if (h.isAsIsNode(u)) expect(h.asIsChain(u)).toEqual(h.asIsAncestors(u, []));
          }
        });
      }),
      fcParams,
    );
  });

  it('compacts into columns midway and reads and changes on exactly like a tree that did not', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 120 }), fc.nat(), fc.nat(), (ops, at, touched) => {
        const plain = grow(ops);
        let step = 0;
        const compacted = grow(ops, (h) => {
          // Compacted once midway (the ops after it build some records again), and read before it.
          if (step++ === at % ops.length) {
            h.chainAt(touched % h.size, 30);
            h.compact();
            expect(h.built).toBe(0);
            expect(h.indexOf(h.unit(touched % h.size).id)).toBe(touched % h.size);
          }
        });
        expect(reading(compacted)).toEqual(reading(plain));
        compacted.compact();
        expect(reading(compacted)).toEqual(reading(plain));
        expect(compacted.built).toBe(compacted.size);
        // A compacted tree checkpoints as the same tree.
        expect(reading(roundTrip(compacted))).toEqual(reading(plain));
      }),
      fcParams,
    );
  });

  it('keeps a unit moved on the day it was registered among its first parent’s ever-children', () => {
    const h = new Hierarchy();
    h.register('root', 'central', -1, 0, 'Trung ương');
    h.register('a', 'province', 0, 0, 'A');
    h.register('b', 'province', 0, 0, 'B');
    h.register('c', 'district', 1, 10, 'C');
    h.move(3, 2, 10);
    expect(h.unit(3).parents).toEqual([{ from: 10, value: 2 }]);
    expect([...roundTrip(h).everChildren(1)]).toEqual([...h.everChildren(1)]);
    expect([...h.everChildren(1)]).toEqual([3]);
  });

  it('refuses a state naming a parent outside the tree, name counts not covering the names, or a tree that is not empty', () => {
    const h = new Hierarchy();
    h.register('root', 'central', -1, 0, 'Trung ương');
    h.register('a', 'province', 0, 0, 'A');
    const w = new SnapshotWriter();
    const state = h.exportState(w);
    const bytes = w.finish({
      state,
      bad: { ...state, parents: w.blob(Int32Array.of(-1, 7)) },
      short: { ...state, nameCounts: w.blob(Int32Array.of(1, 0)) },
    });
    const r = new SnapshotReader(bytes);
    const header = r.header as Record<'state' | 'bad' | 'short', typeof state>;
    expect(() => new Hierarchy().importState(r, header.bad)).toThrow('unit #1 names parent #7 of 2');
    expect(() => new Hierarchy().importState(r, header.short)).toThrow(
      'the name counts do not cover the names',
    );
    const restored = new Hierarchy();
    restored.importState(r, header.state);
    expect(() => restored.importState(r, header.state)).toThrow(/not empty/);
  });
});
