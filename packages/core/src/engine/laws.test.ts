import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerIndicator } from '../indicators/answer.ts';
import { Projector } from '../ledger/projector.ts';
import { type Intent, randomLog } from '../testing/random-log.ts';
import { fixedClock } from '../time/civil.ts';
import { GRAINS } from '../time/periods.ts';
import type { Engine } from './engine.ts';
import { restoreEngine, snapshotEngine } from './snapshot.ts';

/**
 * The laws of the aggregates, checked over random but valid histories: units registered, moved, merged,
 * split and dissolved; activities recorded, corrected and voided; headcounts reported. Seeds are fixed and
 * printed on failure (a failing seed becomes a regular test).
 */
const SEED = 20_251_123;
const runs = (numRuns: number) => ({ seed: SEED, numRuns, verbose: 1 }) as const;
const clock = fixedClock('2026-07-01T00:00:00Z');
const intents = fc.array(
  fc.tuple(fc.nat(11), fc.nat(10_000), fc.nat(10_000), fc.nat(10_000)) as fc.Arbitrary<Intent>,
  {
    minLength: 10,
    maxLength: 60,
  },
);
const longIntents = fc.array(
  fc.tuple(fc.nat(11), fc.nat(10_000), fc.nat(10_000), fc.nat(10_000)) as fc.Arbitrary<Intent>,
  { minLength: 80, maxLength: 200 },
);
const YEARS = ['2020', '2021', '2022', '2023', '2024', '2025', '2026'];
const ALL = '2020-01-01..2026-12-31';
const ask = (engine: Engine, q: Record<string, unknown>) => answerIndicator(engine, q, clock);

/** Every figure a unit shows, per year and view: what two engines must agree on to be the same state. */
const fingerprint = (engine: Engine) => {
  const h = engine.hierarchy;
  const out: Record<string, unknown> = {
    anomalies: engine.anomalies.map((a) => a.message),
    tree: engine.hierarchy.units,
    records: (({ bodies, directives, reports, inspections, ratings, groups }) => ({
      bodies: [...bodies.values()],
      directives: [...directives.values()].map((d) => ({
        ...d,
        targets: [...d.targets],
        adoptions: [...d.adoptions],
      })),
      reports,
      inspections: [...inspections.values()],
      ratings,
      groups: [...groups],
    }))(engine.records),
  };
  for (const u of h.units) {
    for (const view of ['as-was', 'as-is'] as const) {
      if (view === 'as-is' && !h.isAsIsNode(u.index)) continue;
      for (const period of [...YEARS, ALL]) {
        const base = { unit: u.id, view, period };
        out[`${u.id}/${view}/${period}`] = [
          ask(engine, { ...base, indicator: 'activities' }).value,
          ask(engine, { ...base, indicator: 'turns' }).value,
          ask(engine, { ...base, indicator: 'people' }).value,
          ask(engine, { ...base, indicator: 'headcount', params: { population: 'members' } }).value,
        ];
      }
    }
  }
  return out;
};

const refold = async (
  store: Parameters<typeof randomLog>[0] extends never
    ? never
    : Awaited<ReturnType<typeof randomLog>>['store'],
  pageSizes: readonly number[],
) => {
  const projector = new Projector(store);
  const { events } = await store.readAll({ limit: 10_000 });
  let i = 0;
  let k = 0;
  while (i < events.length) {
    const size = pageSizes.length === 0 ? events.length : 1 + (pageSizes[k++ % pageSizes.length]! % 7);
    await projector.applyPage(events.slice(i, i + size));
    i += size;
  }
  return projector.engine;
};

describe('laws of the projections', () => {
  it('gives the same state folded incrementally, in one fold, or in any split of pages', async () => {
    await fc.assert(
      fc.asyncProperty(intents, fc.array(fc.nat(), { maxLength: 5 }), async (plan, pages) => {
        const { store, ledger } = await randomLog(plan);
        const incremental = fingerprint(ledger.engine);
        expect(fingerprint(await refold(store, []))).toEqual(incremental);
        expect(fingerprint(await refold(store, pages))).toEqual(incremental);
      }),
      runs(25),
    );
  });

  it("rolls a subtree up to its own records plus each child's, in both views", async () => {
    await fc.assert(
      // Longer logs too: a divided unit whose successor's parent is later divided needs a few dozen events.
      fc.asyncProperty(
        fc.oneof(intents, longIntents),
        fc.constantFrom(...YEARS, ALL),
        async (plan, period) => {
          const { ledger } = await randomLog(plan);
          const engine = ledger.engine;
          for (const unit of engine.hierarchy.units)
            for (const view of ['as-was', 'as-is'] as const) {
              if (view === 'as-is' && !engine.hierarchy.isAsIsNode(unit.index)) continue;
              for (const indicator of ['activities', 'turns'] as const) {
                const r = ask(engine, { indicator, unit: unit.id, period, view, by: 'unit' });
                expect(r.rows!.reduce((s, row) => s + (row.value ?? 0), 0)).toBe(r.value);
              }
              const people = ask(engine, { indicator: 'people', unit: unit.id, period, view, by: 'unit' });
              const rows = people.rows!.map((row) => row.value ?? 0);
              expect(people.value!).toBeLessThanOrEqual(rows.reduce((s, v) => s + v, 0));
              expect(people.value!).toBeGreaterThanOrEqual(Math.max(0, ...rows));
              const members = ask(engine, {
                indicator: 'headcount',
                unit: unit.id,
                period,
                view,
                by: 'unit',
                params: { population: 'members' },
              });
              if (members.value !== null)
                expect(members.rows!.reduce((s, row) => s + (row.value ?? 0), 0)).toBe(members.value);
            }
        },
      ),
      runs(40),
    );
  });

  it('keeps whole-tree totals the same in the as-is view as in the as-was view', async () => {
    await fc.assert(
      fc.asyncProperty(intents, fc.constantFrom(...YEARS, ALL), async (plan, period) => {
        const { ledger } = await randomLog(plan);
        for (const indicator of ['activities', 'turns'] as const) {
          const was = ask(ledger.engine, { indicator, unit: 'root', period, view: 'as-was' });
          const is = ask(ledger.engine, { indicator, unit: 'root', period, view: 'as-is' });
          expect(is.value).toBe(was.value);
        }
      }),
      runs(40),
    );
  });

  it('partitions time: sub-periods of every grain add up to the whole, across midnight, week 53 and leap days', async () => {
    await fc.assert(
      fc.asyncProperty(
        intents,
        fc.constantFrom(...GRAINS),
        fc.constantFrom('2020-12-15..2021-01-20', '2024-02-01..2024-03-31', '2024-12-20..2025-01-15', ALL),
        async (plan, grain, period) => {
          const { ledger } = await randomLog(plan);
          for (const view of ['as-was', 'as-is'] as const) {
            const r = ask(ledger.engine, {
              indicator: 'turns',
              unit: 'root',
              period,
              view,
              by: 'period',
              grain,
            });
            expect(r.rows!.reduce((s, row) => s + (row.value ?? 0), 0)).toBe(r.value);
          }
        },
      ),
      runs(30),
    );
  });

  it('restores every figure after a correction and its reversal', async () => {
    await fc.assert(
      fc.asyncProperty(intents, fc.nat(), fc.nat(30), async (plan, pick, quantity) => {
        const { ledger, store } = await randomLog(plan);
        const recorded = (await store.readAll({ limit: 10_000 })).events.filter(
          (e) => e.type === 'activity.recorded',
        );
        fc.pre(recorded.length > 0);
        const id = (recorded[pick % recorded.length]!.data as { activityId: string }).activityId;
        const stream = await store.readStream(`activity-${id}`);
        fc.pre(!stream.some((e) => e.type === 'activity.voided'));
        const before = fingerprint(ledger.engine);
        const current = stream.at(-1)!.data as {
          previous?: { participants: string[] };
          participants?: string[];
        };
        const people = (current.previous?.participants ?? current.participants ?? []).length;
        await ledger.appendEvents([
          {
            type: 'activity.corrected',
            occurredAt: '2026-06-02',
            data: { activityId: id, set: { quantity: Math.max(quantity, people) }, reason: 'thử' },
          },
        ]);
        const corrected = (await store.readStream(`activity-${id}`)).at(-1)!.data as {
          previous: Record<string, unknown>;
        };
        await ledger.appendEvents([
          {
            type: 'activity.corrected',
            occurredAt: '2026-06-03',
            data: {
              activityId: id,
              set: { quantity: corrected.previous.quantity as number },
              reason: 'hoàn tác',
            },
          },
        ]);
        expect(fingerprint(ledger.engine)).toEqual(before);
      }),
      runs(30),
    );
  });

  it('never lets an answer as known at a position see a later event', async () => {
    await fc.assert(
      fc.asyncProperty(intents, fc.nat(), async (plan, pick) => {
        const { ledger, store } = await randomLog(plan);
        const head = await store.head();
        const p = 1 + (pick % head);
        const at = await ledger.engineAt(p);
        const before = await ledger.engineAt(p - 1);
        const prefix = await refold(store, []).then(() => undefined);
        expect(prefix).toBeUndefined();
        const fresh = new Projector(store);
        await fresh.catchUp(p - 1);
        expect(fingerprint(before)).toEqual(fingerprint(fresh.engine));
        const [event] = (await store.readAll({ after: p - 1, limit: 1 })).events;
        if (event?.type === 'activity.recorded') {
          const q = { indicator: 'turns', unit: 'root', period: ALL, view: 'as-was' };
          expect(ask(at, q).value).toBe(ask(before, q).value! + event.data.quantity);
          expect(ask(before, { ...q, knownAt: p - 1 }).position).toBe(p - 1);
        }
      }),
      runs(30),
    );
  });

  it('resumes from a checkpoint taken at any position to exactly the state of a full fold', async () => {
    await fc.assert(
      fc.asyncProperty(intents, fc.nat(), async (plan, pick) => {
        const { ledger, store } = await randomLog(plan);
        const head = await store.head();
        const at = pick % (head + 1);
        const partial = new Projector(store);
        await partial.catchUp(at);
        const [event] = at === 0 ? [] : (await store.readAll({ after: at - 1, limit: 1 })).events;
        const bytes = snapshotEngine(partial.engine, { position: at, eventId: event?.id ?? null });
        // Each restore takes its bytes over: the later ones get copies taken now.
        const pristine = bytes.slice();
        const restored = restoreEngine(bytes);
        expect(fingerprint(restored)).toEqual(fingerprint(partial.engine));
        const resumed = new Projector(store, restored);
        await resumed.catchUp();
        expect(fingerprint(resumed.engine)).toEqual(fingerprint(ledger.engine));
        expect([...resumed.engine.streamVersions.entries()]).toEqual([
          ...ledger.engine.streamVersions.entries(),
        ]);
        // A restore builds unit records, series, logs and lists on first use: resumed with nothing read,
        // and checkpointed again with one unit's read, it still ends where the full fold does.
        const withExplain = (engine: Engine) => ({
          ...fingerprint(engine),
          explain: engine.hierarchy.units.map((u) =>
            engine.contributions.positions(u.index, -Infinity, Infinity, null),
          ),
        });
        const cold = new Projector(store, restoreEngine(pristine.slice()));
        await cold.catchUp();
        expect(withExplain(cold.engine)).toEqual(withExplain(ledger.engine));
        const half = restoreEngine(pristine.slice());
        if (half.hierarchy.size > 0) {
          const u = pick % half.hierarchy.size;
          const id = half.hierarchy.unit(u).id;
          ask(half, { unit: id, period: ALL, indicator: 'people' });
          half.contributions.positions(u, -Infinity, Infinity, null);
        }
        const again = new Projector(
          store,
          restoreEngine(snapshotEngine(half, { position: at, eventId: event?.id ?? null })),
        );
        await again.catchUp();
        expect(withExplain(again.engine)).toEqual(withExplain(ledger.engine));
      }),
      runs(25),
    );
  });

  it('computes ratios as a ratio of sums, never an average of ratios', async () => {
    await fc.assert(
      fc.asyncProperty(intents, fc.constantFrom(...YEARS, ALL), async (plan, period) => {
        const { ledger } = await randomLog(plan);
        const q = { unit: 'root', period, view: 'as-was' as const };
        const rate = ask(ledger.engine, {
          ...q,
          indicator: 'participation-rate',
          params: { population: 'members' },
        });
        const people = ask(ledger.engine, { ...q, indicator: 'people' }).value!;
        const members = ask(ledger.engine, {
          ...q,
          indicator: 'headcount',
          params: { population: 'members' },
        }).value;
        if (members === null || members === 0)
          expect(rate).toMatchObject({ value: null, reason: expect.any(String) });
        else expect(rate.value).toBe(people / members);
      }),
      runs(30),
    );
  });
});
