import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Projector } from '../ledger/projector.ts';
import { type Intent, randomLog } from '../testing/random-log.ts';
import { dayFromDate } from '../time/civil.ts';
import { AS_IS, AS_WAS } from './activity-cube.ts';
import { Engine } from './engine.ts';
import { firstDayOfMonthIndex, monthIndexOfDay } from './rollup-series.ts';
import { restoreEngine, snapshotEngine } from './snapshot.ts';

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
