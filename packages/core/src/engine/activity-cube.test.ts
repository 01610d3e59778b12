import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Projector } from '../ledger/projector.ts';
import { type Intent, randomLog } from '../testing/random-log.ts';
import { dayFromDate } from '../time/civil.ts';
import { AS_IS, AS_WAS } from './activity-cube.ts';
import { Engine } from './engine.ts';
import { firstDayOfMonthIndex, monthIndexOfDay } from './rollup-series.ts';
import { restoreEngine, snapshotEngine } from './snapshot.ts';
import { SnapshotReader, SnapshotWriter } from './snapshot-codec.ts';

const runs = { seed: 20_261_205, numRuns: 20, verbose: 0 } as const;
const intents = fc.array(
  fc.tuple(fc.nat(11), fc.nat(10_000), fc.nat(10_000), fc.nat(10_000)) as fc.Arbitrary<Intent>,
  { minLength: 80, maxLength: 200 },
);
/** Ranges of days anywhere in the random logs' years, most short (a week, a partial month), some long. */
const FIRST = dayFromDate('2020-06-01');
const LAST = dayFromDate('2026-06-30');
const range = fc
  .tuple(fc.integer({ min: FIRST, max: LAST }), fc.oneof(fc.nat(10), fc.nat(70), fc.nat(800)))
  .map(([from, span]) => [from, from + span] as const);

const fold = async (store: Awaited<ReturnType<typeof randomLog>>['store'], dayRollupFrom: number) => {
  const projector = new Projector(store, new Engine({ activities: { dayRollupFrom } }));
  const { events } = await store.readAll({ limit: 10_000 });
  await projector.applyPage(events);
  return projector.engine;
};

describe('ActivityCube: roll-ups that keep no day sums', () => {
  it('sum any days, kinds and view as roll-ups keeping every day do, where the threshold is crossed mid-fold, by a move, or never, and after a restore', async () => {
    await fc.assert(
      fc.asyncProperty(
        intents,
        fc.array(range, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(1, 2, 3, 2 ** 31 - 1),
        async (plan, ranges, threshold) => {
          const { store } = await randomLog(plan);
          const every = await fold(store, 0);
          const some = await fold(store, threshold);
          // Besides the drawn ranges, a month in five without its first and last day: all partial.
          const months = Array.from({ length: 15 }, (_, k) => {
            const m = monthIndexOfDay(FIRST) + 5 * k + (threshold % 5);
            return [firstDayOfMonthIndex(m) + 1, firstDayOfMonthIndex(m + 1) - 2] as const;
          });
          const restored = restoreEngine(snapshotEngine(some, { position: some.position, eventId: null }));
          const h = every.hierarchy;
          const slots = every.activities.slots.size;
          const masks = [
            null,
            ...Array.from({ length: slots }, (_, s) =>
              Uint8Array.from({ length: slots }, (_, i) => +(i === s)),
            ),
          ];
          let without = 0;
          for (let node = 0; node < h.size; node++) {
            if (!some.activities.keepsDays(node) && some.activities.desc(node, AS_WAS)) without += 1;
            expect(restored.activities.keepsDays(node)).toBe(some.activities.keepsDays(node));
            for (const view of [AS_WAS, AS_IS]) {
              const asked = [
                ...ranges.flatMap((r) => masks.map((mask) => [r, mask] as const)),
                ...months.map((r) => [r, null] as const),
              ];
              for (const [[from, to], mask] of asked) {
                const want = new Float64Array(2);
                every.activities.sum(node, view, from, to, mask, want);
                for (const engine of [some, restored]) {
                  const got = new Float64Array(2);
                  engine.activities.sum(node, view, from, to, mask, got);
                  expect([...got], `${h.unit(node).id} ${view} ${from}..${to}`).toEqual([...want]);
                }
              }
            }
          }
          // The largest threshold keeps no node's day sums: every partial month above came from the units.
          if (threshold > h.size)
            expect(without).toBe(h.units.filter((u) => some.activities.desc(u.index, AS_WAS)).length);
        },
      ),
      runs,
    );
  });

  it('fills a node’s day sums when it reaches the threshold, and keeps them in step after', async () => {
    await fc.assert(
      fc.asyncProperty(intents, async (plan) => {
        const { store } = await randomLog(plan);
        const every = await fold(store, 0);
        const some = await fold(store, 2);
        for (let node = 0; node < every.hierarchy.size; node++) {
          for (const view of [AS_WAS, AS_IS]) {
            const kept = some.activities.desc(node, view);
            if (kept === undefined || !some.activities.keepsDays(node)) continue;
            const all = every.activities.desc(node, view)!;
            const live = (s: typeof kept.days) => {
              const out: number[][] = [];
              s.forEachInRange(-Infinity, Infinity, (k, a, b) => {
                if (a !== 0 || b !== 0) out.push([k, a, b]);
              });
              return out;
            };
            expect(live(kept.days)).toEqual(live(all.days));
          }
        }
      }),
      { ...runs, numRuns: 25 },
    );
  });

  it('refuses a threshold that is not a whole number', () => {
    expect(() => new Engine({ activities: { dayRollupFrom: 1.5 } })).toThrow(
      /dayRollupFrom must be a whole number/,
    );
  });
});

describe('ActivityCube: series repacked into a new pool', () => {
  it('sum alike after the idle repack, and go on folding alike, as series never repacked', async () => {
    let repacked = 0;
    await fc.assert(
      fc.asyncProperty(
        intents,
        fc.array(range, { minLength: 1, maxLength: 5 }),
        fc.nat(200),
        async (plan, ranges, cut) => {
          const { store } = await randomLog(plan);
          const plain = await fold(store, 2);
          // Any free block makes it repack: it moves every series, own and roll-ups, mid-fold.
          const projector = new Projector(
            store,
            new Engine({ activities: { dayRollupFrom: 2, repackFrom: 0 } }),
          );
          const { events } = await store.readAll({ limit: 10_000 });
          const at = Math.min(cut, events.length);
          await projector.applyPage(events.slice(0, at));
          if (projector.engine.activities.repack()) repacked++;
          await projector.applyPage(events.slice(at));
          const engine = projector.engine;
          for (let node = 0; node < engine.hierarchy.size; node++) {
            for (const view of [AS_WAS, AS_IS]) {
              for (const [from, to] of ranges) {
                const want = new Float64Array(2);
                const got = new Float64Array(2);
                plain.activities.sum(node, view, from, to, null, want);
                engine.activities.sum(node, view, from, to, null, got);
                expect([...got]).toEqual([...want]);
              }
            }
          }
          const f = engine.activities.footprint();
          const g = plain.activities.footprint();
          for (const part of ['own', 'was', 'is'] as const) expect(f[part].entries).toBe(g[part].entries);
        },
      ),
      runs,
    );
    expect(repacked).toBeGreaterThan(runs.numRuns / 4);
  });
});

describe('ActivityCube checkpoint: own series built on first use', () => {
  /** Every node's sums over the whole span and a partial month, both views, plus each unit's own reading. */
  const reading = (engine: Engine) => {
    const out: number[] = [];
    const cell = new Float64Array(2);
    for (let node = 0; node < engine.hierarchy.size; node++) {
      for (const view of [AS_WAS, AS_IS])
        for (const [from, to] of [
          [FIRST, LAST],
          [dayFromDate('2023-03-02'), dayFromDate('2023-03-29')],
        ] as const) {
          cell.fill(0);
          engine.activities.sum(node, view, from, to, null, cell);
          out.push(...cell);
        }
      cell.fill(0);
      engine.activities.sumOwn(node, FIRST, LAST, null, cell);
      out.push(...cell, engine.activities.lastDay(node) ?? -1);
    }
    return out;
  };

  it('answers alike whichever units are asked first, checkpoints again half built, and goes on folding alike', async () => {
    await fc.assert(
      fc.asyncProperty(
        intents,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(40),
        async (plan, cut, touched) => {
          const { store } = await randomLog(plan);
          const { events } = await store.readAll({ limit: 10_000 });
          const at = Math.floor(events.length * cut);
          const folded = new Projector(store, new Engine({ activities: { dayRollupFrom: 2 } }));
          await folded.applyPage(events.slice(0, at));
          const mark = { position: folded.engine.position, eventId: null };
          const restored = restoreEngine(snapshotEngine(folded.engine, mark));
          // One unit's own series built (a sum of its own), then a checkpoint of the half-built cube.
          restored.activities.sumOwn(
            touched % Math.max(1, restored.hierarchy.size),
            FIRST,
            LAST,
            null,
            new Float64Array(2),
          );
          const again = restoreEngine(snapshotEngine(restored, mark));
          // Counted alike whether built or not (bytes differ: a folded series has room to grow).
          const counts = (e: Engine) => {
            const { own, was, is } = e.activities.footprint();
            return [own, was, is].map((p) => [p.series, p.entries]);
          };
          expect(counts(restored)).toEqual(counts(folded.engine));
          expect(counts(again)).toEqual(counts(folded.engine));
          expect(reading(restored)).toEqual(reading(folded.engine));
          expect(reading(again)).toEqual(reading(folded.engine));
          const rest = events.slice(at);
          await folded.applyPage(rest);
          for (const engine of [restored, again]) {
            await new Projector(store, engine).applyPage(rest);
            expect(reading(engine)).toEqual(reading(folded.engine));
          }
        },
      ),
      { ...runs, numRuns: 15 },
    );
  });

  it('refuses own series given twice to a unit, of a negative length, running past their data, or without a stride each', () => {
    const engine = new Engine();
    const w = new SnapshotWriter();
    const state = engine.activities.exportState(w);
    const own = (owners: number[], lengths: number[], words: number, strides = owners.map(() => 3)) => ({
      ...state,
      own: {
        owners: w.blob(Int32Array.from(owners)),
        lengths: w.blob(Int32Array.from(lengths)),
        widths: w.blob(Uint8Array.from(strides)),
        data: w.blob(new Float64Array(words)),
      },
    });
    const bytes = w.finish({
      twice: own([1, 1], [1, 1], 6),
      negative: own([1], [-1], 3),
      past: own([0, 1], [1, 2], 6),
      // Two narrow entries and a wide one: 7 words, not 9.
      strides: own([0, 1], [2, 1], 9, [2, 3]),
      missing: own([0, 1], [1, 1], 6, [3]),
      empty: own([0], [1], 3, [0]),
    });
    const r = new SnapshotReader(bytes);
    const header = r.header as Record<
      'twice' | 'negative' | 'past' | 'strides' | 'missing' | 'empty',
      typeof state
    >;
    expect(() => new Engine().activities.importState(r, header.strides)).toThrow(
      'the lists do not cover the data',
    );
    expect(() => new Engine().activities.importState(r, header.missing)).toThrow(
      'one width per owner expected',
    );
    expect(() => new Engine().activities.importState(r, header.empty)).toThrow('records of no words');
    expect(() => new Engine().activities.importState(r, header.twice)).toThrow('owner 1 has two lists');
    expect(() => new Engine().activities.importState(r, header.negative)).toThrow(
      'the list of 1 runs past the data',
    );
    expect(() => new Engine().activities.importState(r, header.past)).toThrow(
      'the list of 1 runs past the data',
    );
  });
});
