import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AS_IS, AS_WAS } from './activity-cube.ts';
import { Hierarchy } from './hierarchy.ts';
import { SnapshotReader, SnapshotWriter } from './snapshot-codec.ts';
import { StockCube } from './stock-cube.ts';

const fcParams = { seed: 20_261_205, numRuns: 100, verbose: 1 } as const;

/** A root with three districts of three units each. */
const tree = () => {
  const h = new Hierarchy();
  h.register('root', 'central', -1, 0, 'Trung ương');
  for (let d = 0; d < 3; d++) {
    const district = h.register(`d${d}`, 'district', 0, 0, `Huyện ${d}`);
    for (let g = 0; g < 3; g++) h.register(`g${d}${g}`, 'grassroots', district, 0, `Cơ sở ${d}${g}`);
  }
  return h;
};

const roundTrip = (cube: StockCube, h: Hierarchy): StockCube => {
  const w = new SnapshotWriter();
  const r = new SnapshotReader(w.finish(cube.exportState(w)));
  const restored = new StockCube(h);
  restored.importState(r, r.header as ReturnType<StockCube['exportState']>);
  return restored;
};

/** What a cube answers for every unit, slot and a few days, in both views. */
const reading = (cube: StockCube, h: Hierarchy) =>
  h.units.flatMap((u) =>
    [0, 1].flatMap((slot) =>
      [5, 15, 25, 40].map((day) => [
        cube.ownValue(u.index, slot, day),
        cube.value(u.index, AS_WAS, day, [slot]),
        cube.value(u.index, AS_IS, day, [slot, 1 - slot]),
        cube.hasReports(u.index, slot),
        cube.lastDay(u.index),
      ]),
    ),
  );

type Report = [unit: number, slot: number, day: number, count: number];
const report = fc.tuple(fc.nat(12), fc.nat(1), fc.nat(40), fc.nat(500)) as fc.Arbitrary<Report>;

describe('StockCube', () => {
  it('answers each unit’s last report of each population, and a subtree’s sum of them, as a model does', () => {
    fc.assert(
      fc.property(fc.array(report, { maxLength: 120 }), fc.nat(120), (reports, squeeze) => {
        const h = tree();
        const cube = new StockCube(h);
        let given = 0;
        reports.forEach(([u, slot, day, count], i) => {
          // The columns cut to their steps at some point (an idle pass): later reports grow them again.
          if (i === squeeze) given = cube.compact();
          cube.report(u, slot, day, count);
        });
        if (squeeze < reports.length && squeeze > 8) expect(given).toBeGreaterThan(0);
        /** The model: the last report on or before the day (a later one on the same day replaces it). */
        const own = (u: number, slot: number, day: number) => {
          let best: Report | undefined;
          for (const r of reports)
            if (r[0] === u && r[1] === slot && r[2] <= day && (!best || r[2] >= best[2])) best = r;
          return best;
        };
        const subtree = (node: number) =>
          h.units.map((r) => r.index).filter((u) => h.isWithinAt(u, node, 40));
        for (const { index: u } of h.units) {
          for (const day of [0, 5, 20, 40]) {
            for (const slot of [0, 1]) {
              const o = own(u, slot, day);
              expect(cube.ownValue(u, slot, day)).toEqual(o && { count: o[3], day: o[2] });
              const parts = subtree(u).map((v) => own(v, slot, day));
              expect(cube.value(u, AS_WAS, day, [slot])).toEqual({
                value: parts.reduce((n, r) => n + (r?.[3] ?? 0), 0),
                reported: parts.some((r) => r !== undefined),
              });
            }
            const both = subtree(u).flatMap((v) => [own(v, 0, day), own(v, 1, day)]);
            expect(cube.value(u, AS_IS, day, [0, 1]).value).toBe(both.reduce((n, r) => n + (r?.[3] ?? 0), 0));
          }
          const mine = reports.filter((r) => r[0] === u);
          expect(cube.lastDay(u)).toBe(mine.length === 0 ? undefined : Math.max(...mine.map((r) => r[2])));
          for (const slot of [0, 1]) expect(cube.hasReports(u, slot)).toBe(mine.some((r) => r[1] === slot));
        }
      }),
      fcParams,
    );
  });
});

describe('StockCube checkpoint', () => {
  it('answers alike after a restore, whichever units are asked first, and goes on taking reports and moves alike', () => {
    fc.assert(
      fc.property(
        fc.array(report, { maxLength: 40 }),
        fc.array(report, { maxLength: 10 }),
        fc.nat(12),
        fc.array(fc.tuple(fc.integer({ min: 2, max: 12 }), fc.nat(2), fc.nat(40)), { maxLength: 3 }),
        (before, after, touched, moves) => {
          const h = tree();
          const cube = new StockCube(h);
          for (const [u, slot, day, count] of before) cube.report(u, slot, day, count);
          const h1 = tree();
          const restored = roundTrip(cube, h1);
          // One unit read first (built from the checkpoint), then a checkpoint of the half-built cube.
          restored.ownValue(touched, 0, 40);
          const h2 = tree();
          const again = roundTrip(restored, h2);
          const cubes = [
            [cube, h],
            [restored, h1],
            [again, h2],
          ] as const;
          for (const [c, t] of cubes) {
            for (const [u, slot, day, count] of after) c.report(u, slot, day, count);
            // Grassroots units (index 2 and up, not districts 1, 5, 9) move to district 1 + 4k.
            for (const [u, k, day] of moves)
              if (![1, 5, 9].includes(u)) c.reattribute(t.everSubtree(u), () => t.move(u, 1 + 4 * k, day));
          }
          expect(reading(restored, h1)).toEqual(reading(cube, h));
          expect(reading(again, h2)).toEqual(reading(cube, h));
        },
      ),
      fcParams,
    );
  });

  it('refuses timelines of one unit that are not together, that name a slot twice, or that do not cover their steps', () => {
    const h = tree();
    const cube = new StockCube(h);
    cube.report(2, 0, 1, 10);
    cube.report(3, 0, 1, 20);
    cube.report(2, 1, 1, 30);
    const w = new SnapshotWriter();
    const state = cube.exportState(w);
    const bytes = w.finish({
      state,
      split: { ...state, units: w.blob(Int32Array.of(2, 3, 2)) },
      short: { ...state, lengths: w.blob(Int32Array.of(1, 1, 0)) },
      twice: { ...state, slots: w.blob(Int32Array.of(0, 0, 0)) },
    });
    const r = new SnapshotReader(bytes);
    const header = r.header as Record<'state' | 'split' | 'short' | 'twice', typeof state>;
    expect(() => new StockCube(h).importState(r, header.twice)).toThrow('unit 2 has two timelines of slot 0');
    expect(() => new StockCube(h).importState(r, header.split)).toThrow(
      'the timelines of unit 2 are not together',
    );
    expect(() => new StockCube(h).importState(r, header.short)).toThrow('do not cover their steps');
    const restored = new StockCube(h);
    restored.importState(r, header.state);
    expect(restored.ownValue(2, 1, 5)).toEqual({ count: 30, day: 1 });
  });
});
