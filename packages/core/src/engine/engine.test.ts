import { describe, expect, it } from 'vitest';
import type { EventInput } from '../events/envelope.ts';
import { answerIndicator } from '../indicators/answer.ts';
import { Ledger } from '../ledger/ledger.ts';
import { MemoryEventStore } from '../store/memory-store.ts';
import { activity, event, split, unit } from '../testing/builders.ts';
import { sequentialIds } from '../testing/ids.ts';
import { type Intent, randomLog } from '../testing/random-log.ts';
import { fixedClock } from '../time/civil.ts';
import { AS_IS, AS_WAS } from './activity-cube.ts';
import { Engine } from './engine.ts';
import { restoreEngine, snapshotEngine } from './snapshot.ts';

const clock = fixedClock('2026-01-01T00:00:00Z');

const ledgerWith = async (events: EventInput[], engine?: Engine) => {
  const store = new MemoryEventStore({ clock, newId: sequentialIds() });
  const ledger = await Ledger.open({ store, clock, follow: false, ...(engine ? { engine } : {}) });
  for (const e of events) await ledger.appendEvents([e]);
  return ledger;
};

const ask = (ledger: Ledger, q: Record<string, unknown>) => answerIndicator(ledger.engine, q, clock);

describe('engine: hierarchy views', () => {
  it('counts history under the tree as it stood (as-was) or under today’s tree (as-is) after a move', async () => {
    const ledger = await ledgerWith([
      unit('vn', 'central', null),
      unit('p1', 'province', 'vn'),
      unit('p2', 'province', 'vn'),
      unit('d', 'district', 'p1'),
      activity('a23', 'd', '2023-06-01', { quantity: 10 }),
      event('unit.moved', { unitId: 'd', parentId: 'p2' }, '2024-01-01'),
      activity('a24', 'd', '2024-06-01', { quantity: 5 }),
    ]);
    const turns = (u: string, view: string, period = '2023..2024') =>
      ask(ledger, { indicator: 'turns', unit: u, period, view }).value;
    expect([turns('p1', 'as-was'), turns('p2', 'as-was')]).toEqual([10, 5]);
    expect([turns('p1', 'as-is'), turns('p2', 'as-is')]).toEqual([0, 15]);
    expect([turns('vn', 'as-was'), turns('vn', 'as-is')]).toEqual([15, 15]);
  });

  it('keeps no entries of zeros where a move took history away from a roll-up', async () => {
    const days = ['2023-06-01', '2023-06-02', '2023-07-15', '2023-09-30'];
    const ledger = await ledgerWith(
      [
        unit('vn', 'central', null),
        unit('p1', 'province', 'vn'),
        unit('p2', 'province', 'vn'),
        unit('d', 'district', 'p1'),
        unit('e', 'district', 'p1'),
        ...days.map((day, i) => activity(`d${i}`, 'd', day, { quantity: 10 })),
        activity('e0', 'e', '2023-06-01', { quantity: 1 }),
        event('unit.moved', { unitId: 'd', parentId: 'p2' }, '2024-01-01'),
      ],
      new Engine({ activities: { dayRollupFrom: 0 } }),
    );
    const { activities, hierarchy } = ledger.engine;
    const p1 = hierarchy.indexOf('p1')!;
    const p2 = hierarchy.indexOf('p2')!;
    // as-is, p1 keeps only e's day and month; as-was, nothing moved before 2024 (e shares d's first day).
    expect([activities.desc(p1, AS_IS)?.days.length, activities.desc(p1, AS_IS)?.months.length]).toEqual([
      1, 1,
    ]);
    expect(activities.desc(p1, AS_WAS)?.days.length).toBe(4);
    expect(activities.desc(p2, AS_IS)?.days.length).toBe(4);
    await ledger.appendEvents([event('unit.moved', { unitId: 'e', parentId: 'p2' }, '2024-01-01')]);
    // With nothing left, p1's as-is roll-up is gone; its answers are still zeros, as-was unchanged.
    expect(activities.desc(p1, AS_IS)).toBeUndefined();
    const turns = (u: string, view: string) =>
      ask(ledger, { indicator: 'turns', unit: u, period: '2023', view }).value;
    expect([turns('p1', 'as-is'), turns('p2', 'as-is'), turns('p1', 'as-was')]).toEqual([0, 41, 41]);
    // The history coming back refills it.
    await ledger.appendEvents([event('unit.moved', { unitId: 'd', parentId: 'p1' }, '2024-02-01')]);
    expect([turns('p1', 'as-is'), turns('p2', 'as-is')]).toEqual([40, 1]);
  });

  it('moves a divided unit’s history with its successors when their own tree changes (regression: seed 20261205)', async () => {
    // d's history is divided between g1 (under p1) and g2 (under p2); then p1 is split and g1 passes to q1.
    const ledger = await ledgerWith([
      unit('vn', 'central', null),
      unit('p1', 'province', 'vn'),
      unit('p2', 'province', 'vn'),
      unit('q1', 'province', 'vn'),
      unit('q2', 'province', 'vn'),
      unit('d', 'district', 'vn'),
      unit('g1', 'district', 'p1'),
      unit('g2', 'district', 'p2'),
      activity('a', 'd', '2024-03-01', { quantity: 10 }),
      split('d', { g1: 1, g2: 1 }, '2025-01-01'),
      split('p1', { q1: 1, q2: 1 }, '2025-02-01'),
    ]);
    const turns = (u: string) =>
      ask(ledger, { indicator: 'turns', unit: u, period: '2024', view: 'as-is' }).value;
    // Before the fix the second split took g1's half back from q1's chain instead of p1's: q1 had none.
    expect(['g1', 'q1', 'g2', 'p2', 'q2', 'vn'].map(turns)).toEqual([5, 5, 5, 5, 0, 10]);
  });

  it('breaks a period down by the children it had then, in link order, also after the tree grows', async () => {
    const ledger = await ledgerWith([
      unit('vn', 'central', null),
      unit('p', 'province', 'vn'),
      unit('d2', 'district', 'p', { on: '2021-01-01' }),
      unit('d1', 'district', 'p', { on: '2020-01-01' }),
      unit('g', 'grassroots', 'd1'),
      activity('a1', 'd1', '2023-03-01', { quantity: 1 }),
      activity('a2', 'd2', '2023-03-01', { quantity: 2 }),
      activity('ag', 'g', '2023-03-01', { quantity: 4 }),
    ]);
    const rows = (period: string) =>
      ask(ledger, { indicator: 'activities', unit: 'p', period, by: 'unit' }).rows!.map((r) => r.key);
    expect(rows('2023')).toEqual(['p', 'd2', 'd1']);
    // A unit registered later, and one moved in later, are children only from their first day under p.
    await ledger.appendEvents([unit('d3', 'district', 'p', { on: '2024-05-01' })]);
    await ledger.appendEvents([event('unit.moved', { unitId: 'g', parentId: 'p' }, '2024-07-01')]);
    await ledger.appendEvents([activity('a3', 'd3', '2024-08-01', { quantity: 8 })]);
    await ledger.appendEvents([activity('ag2', 'g', '2024-08-01', { quantity: 16 })]);
    expect(rows('2023')).toEqual(['p', 'd2', 'd1']);
    // Additive rows of zero are left out: in 2024 only the newcomers recorded anything.
    expect(rows('2024')).toEqual(['p', 'd3', 'g']);
    expect(rows('2023..2024')).toEqual(['p', 'd2', 'd1', 'd3', 'g']);
    const turns = ask(ledger, { indicator: 'turns', unit: 'p', period: '2023..2024', by: 'unit' }).rows!;
    expect(turns.map((r) => [r.key, r.value])).toEqual([
      ['p', 0],
      ['d2', 2],
      ['d1', 5],
      ['d3', 8],
      ['g', 16],
    ]);
    // A unit registered late with a past date is a child from that date on, though linked last.
    const units = (period: string) =>
      ask(ledger, { indicator: 'units', unit: 'p', period, by: 'unit' }).rows!.map((r) => r.key);
    expect(units('2020')).toEqual(['p', 'd1']);
    await ledger.appendEvents([unit('d0', 'district', 'p', { on: '2020-03-01' })]);
    expect(units('2020')).toEqual(['p', 'd1', 'd0']);
  });

  it('re-attributes history when a move is recorded late with a past effective date', async () => {
    const ledger = await ledgerWith([
      unit('vn', 'central', null),
      unit('p1', 'province', 'vn'),
      unit('p2', 'province', 'vn'),
      unit('d', 'district', 'p1'),
      activity('a', 'd', '2024-06-01', { quantity: 7 }),
      event('unit.moved', { unitId: 'd', parentId: 'p2' }, '2024-01-01'),
    ]);
    expect(ask(ledger, { indicator: 'turns', unit: 'p2', period: '2024', view: 'as-was' }).value).toBe(7);
    expect(ask(ledger, { indicator: 'turns', unit: 'p1', period: '2024', view: 'as-was' }).value).toBe(0);
  });

  it('passes a merged unit’s history to its successor in as-is, and refuses to query it there', async () => {
    const ledger = await ledgerWith([
      unit('vn', 'central', null),
      unit('soc-trang', 'province', 'vn'),
      unit('can-tho', 'province', 'vn'),
      unit('vinh-chau', 'district', 'soc-trang'),
      activity('a', 'vinh-chau', '2023-05-01', { quantity: 100 }),
      activity('b', 'can-tho', '2023-05-01', { quantity: 1 }),
      event('unit.merged', { unitId: 'soc-trang', intoId: 'can-tho' }, '2025-07-01'),
    ]);
    expect(ask(ledger, { indicator: 'turns', unit: 'soc-trang', period: '2023', view: 'as-was' }).value).toBe(
      100,
    );
    expect(ask(ledger, { indicator: 'turns', unit: 'can-tho', period: '2023', view: 'as-was' }).value).toBe(
      1,
    );
    expect(ask(ledger, { indicator: 'turns', unit: 'can-tho', period: '2023', view: 'as-is' }).value).toBe(
      101,
    );
    expect(() =>
      ask(ledger, { indicator: 'turns', unit: 'soc-trang', period: '2023', view: 'as-is' }),
    ).toThrow(/merged on 2025-07-01/);
  });

  it('divides a split unit’s history by weight in whole turns, keeping totals exact', async () => {
    const ledger = await ledgerWith([
      unit('vn', 'central', null),
      unit('a', 'province', 'vn'),
      unit('b', 'province', 'vn'),
      unit('old', 'province', 'vn'),
      activity('x', 'old', '2023-01-10', { quantity: 10 }),
      activity('y', 'old', '2023-01-11', { quantity: 1 }),
      split('old', { a: 3, b: 2 }, '2025-01-01'),
    ]);
    const turns = (u: string) =>
      ask(ledger, { indicator: 'turns', unit: u, period: '2023', view: 'as-is' }).value;
    expect([turns('a'), turns('b')]).toEqual([6 + 1, 4]);
    expect(turns('vn')).toBe(11);
  });

  it('keeps a dissolved unit as a ghost under its last parent, so totals do not change', async () => {
    const ledger = await ledgerWith([
      unit('hcm', 'province', null),
      unit('binh-tan', 'district', 'hcm'),
      unit('an-lac', 'grassroots', 'binh-tan'),
      activity('d', 'binh-tan', '2024-04-01', { quantity: 3 }),
      activity('w', 'an-lac', '2024-04-01', { quantity: 4 }),
      event('unit.moved', { unitId: 'an-lac', parentId: 'hcm' }, '2025-07-01'),
      event('unit.dissolved', { unitId: 'binh-tan' }, '2025-07-01'),
    ]);
    expect(ask(ledger, { indicator: 'turns', unit: 'binh-tan', period: '2024', view: 'as-was' }).value).toBe(
      7,
    );
    expect(ask(ledger, { indicator: 'turns', unit: 'binh-tan', period: '2024', view: 'as-is' }).value).toBe(
      3,
    );
    expect(ask(ledger, { indicator: 'turns', unit: 'hcm', period: '2024', view: 'as-is' }).value).toBe(7);
    const rows = ask(ledger, { indicator: 'turns', unit: 'hcm', period: '2024', view: 'as-is', by: 'unit' })
      .rows!;
    expect(rows.map((r) => [r.key, r.value])).toEqual(
      expect.arrayContaining([
        ['binh-tan', 3],
        ['an-lac', 4],
      ]),
    );
  });

  it('gives a row to a unit split into the queried unit (regression: seed 20251123)', async () => {
    const plan: Intent[] = [
      [0, 0, 4537, 0],
      [0, 0, 0, 7],
      [0, 4080, 0, 7441],
      [0, 0, 0, 3],
      [0, 0, 0, 0],
      [10, 8786, 0, 0],
      [2, 0, 0, 0],
      [0, 4171, 0, 0],
      [2, 0, 0, 0],
      [2, 6556, 667, 0],
      [2, 0, 0, 0],
      [2, 0, 0, 0],
      [2, 0, 0, 0],
      [2, 0, 0, 0],
      [0, 4777, 0, 0],
      [0, 0, 0, 0],
    ];
    const { ledger } = await randomLog(plan);
    const r = answerIndicator(
      ledger.engine,
      { indicator: 'activities', unit: 'u2', period: '2022', view: 'as-is', by: 'unit' },
      clock,
    );
    expect(r.value).toBe(1);
    expect(r.rows!.map((row) => [row.key, row.value])).toEqual([
      ['u2', 0],
      ['u4', 1],
    ]);
  });
});

/** `n` distinct person ids. */
const people = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
/** Distinct people of a unit's subtree in March 2024. */
const peopleInMarch = (ledger: Ledger, u: string) =>
  ask(ledger, { indicator: 'people', unit: u, period: '2024-03' });
/** The tree and 3,000 + 2,000 people in March 2024 (past the 4,096 exact threshold), then a void of the 2,000. */
const voidAfterThreshold = (units: EventInput[], first: string, second: string): EventInput[] => [
  ...units,
  activity('a1', first, '2024-03-04', { quantity: 3_000, participants: people('x', 3_000) }),
  activity('a2', second, '2024-03-05', { quantity: 2_000, participants: people('y', 2_000) }),
];
const voidA2 = event('activity.voided', { activityId: 'a2', reason: 'trùng' }, '2024-03-06');
/** A province p with districts d1 and d2, and grassroots units under them as [id, district]. */
const twoDistricts = (...grassroots: [string, string][]): EventInput[] => [
  unit('p', 'province', null),
  unit('d1', 'district', 'p'),
  unit('d2', 'district', 'p'),
  ...grassroots.map(([id, d]) => unit(id, 'grassroots', d)),
];

describe('engine: measures', () => {
  it('counts the days of a partial month exactly after a void, however many people they held', async () => {
    // The days of a partial month come from the units' logs; replayed one by one, the void's 2,000 removals
    // would reach a set already past the 4,096 threshold and leave a stale estimate.
    const ledger = await ledgerWith(
      voidAfterThreshold([unit('p', 'province', null), unit('g', 'grassroots', 'p')], 'g', 'g'),
    );
    await ledger.appendEvents([voidA2]);
    for (const u of ['g', 'p']) {
      expect(ask(ledger, { indicator: 'people', unit: u, period: '2024-03-01..2024-03-20' })).toMatchObject({
        value: 3_000,
        exact: true,
      });
    }
  });

  it('reads a unit’s own people from its log, rebuilds the roll-ups a void left stale, and refreshes stale cells off the query path', async () => {
    // 5,000 people in one unit's own month: every roll-up above passes the exact threshold; the unit's own
    // people are read from its log, exactly, however many.
    const ledger = await ledgerWith(
      voidAfterThreshold([unit('p', 'province', null), unit('g', 'grassroots', 'p')], 'g', 'g'),
    );
    const count = (u: string) => peopleInMarch(ledger, u);
    expect(count('g')).toMatchObject({ value: 5_000, exact: true });
    expect(count('p')).toMatchObject({ exact: false });
    await ledger.appendEvents([voidA2]);
    const people$ = ledger.engine.people;
    // p's as-was and as-is roll-ups and its month sketches in each view (made when its cells became
    // sketches): four cells wait to be rebuilt; and p's March in each view, whose month log the refresh
    // would gather ahead (a subtree of two units reads their logs directly instead).
    expect(people$.pendingRefresh).toBe(6);
    expect(count('g')).toMatchObject({ value: 3_000, exact: true });
    // A checkpoint carries them: the restored engine finds the same six from the cells' flags.
    const restored = restoreEngine(
      snapshotEngine(ledger.engine, { position: ledger.engine.position, eventId: null }),
    );
    expect(restored.people.pendingRefresh).toBe(6);
    expect(people$.refreshStale(() => people$.pendingRefresh === 1)).toBe(1);
    expect(people$.refreshStale()).toBe(0);
    for (const u of ['g', 'p']) expect(count(u)).toMatchObject({ value: 3_000, exact: true });
    expect(restored.people.refreshStale()).toBe(0);
    expect(
      answerIndicator(restored, { indicator: 'people', unit: 'p', period: '2024-03' }, clock),
    ).toMatchObject({
      value: 3_000,
      exact: true,
    });
  });

  it('recounts a roll-up that a void left stale exactly, once, from the units’ netted participations', async () => {
    // 3,000 + 2,000 people in one month: the district's and province's cells pass the 4,096 exact
    // threshold and become sketches, which cannot forget the 2,000 when their activity is voided.
    const ledger = await ledgerWith(
      voidAfterThreshold(
        [
          unit('p', 'province', null),
          unit('d', 'district', 'p'),
          unit('g1', 'grassroots', 'd'),
          unit('g2', 'grassroots', 'd'),
        ],
        'g1',
        'g2',
      ),
    );
    const count = (u: string) => peopleInMarch(ledger, u);
    expect(count('p')).toMatchObject({ exact: false });
    await ledger.appendEvents([voidA2]);
    // Rebuilt from the units' logs with each unit's adds and removes netted first: 3,000 people, exactly.
    // (Replayed one by one, the removals would reach a set already past the threshold and leave it stale.)
    for (const u of ['p', 'd', 'p']) expect(count(u)).toMatchObject({ value: 3_000, exact: true });
    expect(count('g2')).toMatchObject({ value: 0 });
    // Stale again; this time d gained a unit mid-month, so d's cell is its other children's cells plus the
    // new unit's log from its arrival, while p's (d was its child all month) is the sum of d's cells.
    await ledger.appendEvents([
      activity('a4', 'g2', '2024-03-07', { quantity: 2_000, participants: people('w', 2_000) }),
    ]);
    await ledger.appendEvents([unit('g3', 'grassroots', 'd', { on: '2024-03-10' })]);
    await ledger.appendEvents([
      activity('a3', 'g3', '2024-03-12', { quantity: 10, participants: people('z', 10) }),
    ]);
    await ledger.appendEvents([
      event('activity.voided', { activityId: 'a4', reason: 'trùng' }, '2024-03-13'),
    ]);
    for (const u of ['p', 'd']) expect(count(u)).toMatchObject({ value: 3_010, exact: true });
    expect(count('g3')).toMatchObject({ value: 10, exact: true });
  });

  it('rebuilds a stale roll-up from its children when one moved away mid-month, each participation once', async () => {
    // m takes part under d1, moves to d2 mid-month and takes part again; b moves from m to g1 in between.
    // d1's cell (5,000 people, a sketch) goes stale with the void, and its rebuild must count what reached
    // d1 through m before the move, and b's people once whichever way they came.
    const ledger = await ledgerWith([
      ...voidAfterThreshold(twoDistricts(['g1', 'd1'], ['g2', 'd1'], ['m', 'd1']), 'g1', 'g2'),
      unit('b', 'branch', 'm'),
      activity('b1', 'b', '2024-03-10', { quantity: 1, participants: ['b-a'] }),
      // b leaves m for g1 (a child of d1 all month): from then on it reaches d1 through g1's cells.
      event('unit.moved', { unitId: 'b', parentId: 'g1' }, '2024-03-12'),
      activity('b2', 'b', '2024-03-13', { quantity: 1, participants: ['b-z'] }),
      activity('m1', 'm', '2024-03-08', { quantity: 3, participants: ['m-a', 'm-b', 'x-0'] }),
      event('unit.moved', { unitId: 'm', parentId: 'd2' }, '2024-03-15'),
      activity('m2', 'm', '2024-03-20', { quantity: 2, participants: ['m-a', 'm-c'] }),
    ]);
    expect(peopleInMarch(ledger, 'd1')).toMatchObject({ exact: false });
    await ledger.appendEvents([voidA2]);
    const count = (u: string) => peopleInMarch(ledger, u).value;
    const voided = (id: string) =>
      event('activity.voided', { activityId: id, reason: 'trùng' }, '2024-03-21');
    expect([count('d1'), count('d2'), count('p')]).toEqual([3_004, 2, 3_005]);
    // The rebuilt cells hold each participation once: voiding b2 takes b-z out, and voiding m1 takes m-b
    // out everywhere and m-a out of d1, not out of p (m2 brings it there).
    await ledger.appendEvents([voided('b2')]);
    expect([count('d1'), count('d2'), count('p')]).toEqual([3_003, 2, 3_004]);
    await ledger.appendEvents([voided('m1')]);
    expect([count('d1'), count('d2'), count('p')]).toEqual([3_001, 2, 3_003]);
  });

  it('recounts a stale as-is roll-up from the own people of the units under it today, merged ones included', async () => {
    // g3 merges into g2 (under d2) in 2025: as-is its March 2024 people count under g2, d2 and p, not d1.
    const ledger = await ledgerWith([
      ...voidAfterThreshold(twoDistricts(['g1', 'd1'], ['g2', 'd2'], ['g3', 'd1']), 'g1', 'g2'),
      activity('a3', 'g3', '2024-03-09', { quantity: 2, participants: ['x-0', 'z-1'] }),
      event('unit.merged', { unitId: 'g3', intoId: 'g2' }, '2025-01-01'),
    ]);
    const count = (u: string, view: 'as-was' | 'as-is') =>
      ask(ledger, { indicator: 'people', unit: u, period: '2024-03', view });
    expect(count('p', 'as-is')).toMatchObject({ exact: false });
    await ledger.appendEvents([voidA2]);
    expect(count('p', 'as-is')).toMatchObject({ value: 3_001, exact: true });
    expect([count('d1', 'as-is').value, count('d2', 'as-is').value, count('d1', 'as-was').value]).toEqual([
      3_000, 2, 3_001,
    ]);
    // Rebuilt with the right multiplicities: x-0 stays (a1 brings it), z-1 goes.
    await ledger.appendEvents([
      event('activity.voided', { activityId: 'a3', reason: 'trùng' }, '2024-03-21'),
    ]);
    expect(count('p', 'as-is')).toMatchObject({ value: 3_000, exact: true });
    // A unit with participations for the first time joins the units the next rebuild reads.
    await ledger.appendEvents([
      unit('g4', 'grassroots', 'd1', { on: '2024-01-01' }),
      activity('a5', 'g4', '2024-03-10', { quantity: 2_000, participants: people('w', 2_000) }),
      activity('a6', 'g4', '2024-03-11', { quantity: 1, participants: ['g4-only'] }),
    ]);
    await ledger.appendEvents([
      event('activity.voided', { activityId: 'a5', reason: 'trùng' }, '2024-03-22'),
    ]);
    expect(count('p', 'as-is')).toMatchObject({ value: 3_001, exact: true });
    // A unit moved out of p's tree today leaves them.
    await ledger.appendEvents([
      unit('q', 'province', null),
      event('unit.moved', { unitId: 'g4', parentId: 'q' }, '2025-02-01'),
      activity('a7', 'g1', '2024-03-12', { quantity: 2_000, participants: people('v', 2_000) }),
    ]);
    await ledger.appendEvents([
      event('activity.voided', { activityId: 'a7', reason: 'trùng' }, '2024-03-23'),
    ]);
    expect(count('p', 'as-is')).toMatchObject({ value: 3_000, exact: true });
  });

  it('keeps turns (lượt) and distinct people (người) apart, and unions people across units', async () => {
    const ledger = await ledgerWith([
      unit('p', 'province', null),
      unit('d1', 'district', 'p'),
      unit('d2', 'district', 'p'),
      activity('a', 'd1', '2023-03-01', { kind: 'education', quantity: 5, participants: ['x', 'y'] }),
      activity('b', 'd1', '2023-03-08', { kind: 'education', quantity: 5, participants: ['x', 'z'] }),
      activity('c', 'd2', '2023-04-01', { kind: 'education', quantity: 2, participants: ['x', 'w'] }),
    ]);
    const q = { unit: 'p', period: '2023', params: { kind: 'education' } };
    expect(ask(ledger, { ...q, indicator: 'turns' }).value).toBe(12);
    expect(ask(ledger, { ...q, indicator: 'people' }).value).toBe(4);
    const rows = ask(ledger, { ...q, indicator: 'people', by: 'unit' }).rows!;
    expect(rows.map((r) => [r.key, r.value])).toEqual([
      ['p', 0],
      ['d1', 3],
      ['d2', 2],
    ]);
  });

  it('takes a headcount as the last value on or before the date, summed over units, never over time', async () => {
    const ledger = await ledgerWith([
      unit('p', 'province', null),
      unit('d1', 'district', 'p'),
      unit('d2', 'district', 'p'),
      event('headcount.reported', { unitId: 'd1', population: 'members', count: 100 }, '2023-01-01'),
      event('headcount.reported', { unitId: 'd1', population: 'members', count: 120 }, '2023-07-01'),
      event('headcount.reported', { unitId: 'd2', population: 'members', count: 50 }, '2023-03-01'),
    ]);
    const members = (period: string) =>
      ask(ledger, { indicator: 'headcount', unit: 'p', period, params: { population: 'members' } }).value;
    expect(members('2023-02')).toBe(100);
    expect(members('2023-06')).toBe(150);
    expect(members('2023')).toBe(170);
    expect(
      ask(ledger, { indicator: 'headcount', unit: 'p', period: '2022', params: { population: 'members' } }),
    ).toMatchObject({
      value: null,
      reason: expect.stringContaining('no members headcount'),
    });
  });

  it('breaks a headcount down by the children at the period’s end, divided units by their share (regressions: seed 20251123)', async () => {
    const ledger = await ledgerWith([
      unit('vn', 'central', null),
      unit('p1', 'province', 'vn'),
      unit('p2', 'province', 'vn'),
      unit('p3', 'province', 'vn'),
      unit('d', 'district', 'vn'),
      event('headcount.reported', { unitId: 'd', population: 'members', count: 489 }, '2020-12-27'),
      event('headcount.reported', { unitId: 'p3', population: 'members', count: 141 }, '2020-12-27'),
      // d moves under p1 early in 2023: at the end of 2023 it counts in p1's row, not in a row of its own.
      event('unit.moved', { unitId: 'd', parentId: 'p1' }, '2023-01-07'),
      // p3 is divided between p1 and p2 in 2026: as-is, each has a row for its share of p3's members.
      split('p3', { p1: 1, p2: 1 }, '2026-04-01'),
    ]);
    const rows = (u: string, view: string) => {
      const r = ask(ledger, {
        indicator: 'headcount',
        unit: u,
        period: '2023',
        view,
        by: 'unit',
        params: { population: 'members' },
      });
      return [r.value, r.rows!.filter((row) => row.value !== null).map((row) => [row.key, row.value])];
    };
    expect(rows('vn', 'as-was')).toEqual([
      630,
      [
        ['p1', 489],
        ['p3', 141],
      ],
    ]);
    expect(rows('p1', 'as-is')).toEqual([
      489 + 71,
      [
        ['d', 489],
        ['p3', 71],
      ],
    ]);
    expect(rows('p2', 'as-is')).toEqual([70, [['p3', 70]]]);
  });

  it('returns null with a reason for a ratio over a zero denominator', async () => {
    const ledger = await ledgerWith([
      unit('p', 'province', null),
      event('headcount.reported', { unitId: 'p', population: 'members', count: 0 }, '2023-01-01'),
    ]);
    expect(
      ask(ledger, {
        indicator: 'participation-rate',
        unit: 'p',
        period: '2023',
        params: { population: 'members' },
      }),
    ).toMatchObject({
      value: null,
      reason: 'the denominator is zero',
    });
  });
});

describe('engine: idle upkeep', () => {
  it('puts a large tree back into columns once its records are built, and answers and folds on the same', async () => {
    // 10,200 units (past the 10,000 from which a tree is compacted): 100 districts of 100 grassroots each.
    const events: EventInput[] = [
      unit('vn', 'central', null),
      unit('p', 'province', 'vn'),
      unit('q', 'province', 'vn'),
    ];
    for (let d = 0; d < 100; d++) {
      events.push(unit(`d${d}`, 'district', 'p'));
      for (let g = 0; g < 100; g++) events.push(unit(`d${d}-g${g}`, 'grassroots', `d${d}`));
    }
    events.push(
      activity('a1', 'd7-g3', '2024-03-01', { quantity: 12, participants: ['x', 'y'] }),
      event('unit.moved', { unitId: 'd7', parentId: 'q' }, '2024-06-01'),
      activity('a2', 'd7-g3', '2024-07-01', { quantity: 5, participants: ['y', 'z'] }),
    );
    const store = new MemoryEventStore({ clock, newId: sequentialIds() });
    const ledger = await Ledger.open({ store, clock, follow: false });
    await ledger.appendEvents(events);
    const h = ledger.engine.hierarchy;
    const figures = () =>
      ['p', 'q', 'd7'].flatMap((u) =>
        ['as-was', 'as-is'].flatMap((view) =>
          ['turns', 'people'].map(
            (indicator) => ask(ledger, { indicator, unit: u, period: '2024', view }).value,
          ),
        ),
      );
    const before = figures();
    expect(h.built).toBe(h.size);
    expect(ledger.engine.refreshIdle()).toBe(0);
    expect(h.built).toBe(0);
    expect(figures()).toEqual(before);
    // Asked for again, records are built; not compacted again until most are.
    const built = h.built;
    expect(built).toBeGreaterThan(0);
    ledger.engine.refreshIdle();
    expect(h.built).toBe(built);
    // Folding goes on over the columns like over the records.
    await ledger.appendEvents([
      activity('a3', 'd7-g3', '2024-08-01', { quantity: 1, participants: ['w'] }),
      event('unit.renamed', { unitId: 'd8', name: 'Huyện Tám' }, '2024-09-01'),
    ]);
    const twin = await ledgerWith(
      events.concat([
        activity('a3', 'd7-g3', '2024-08-01', { quantity: 1, participants: ['w'] }),
        event('unit.renamed', { unitId: 'd8', name: 'Huyện Tám' }, '2024-09-01'),
      ]),
    );
    expect(figures()).toEqual(
      ['p', 'q', 'd7'].flatMap((u) =>
        ['as-was', 'as-is'].flatMap((view) =>
          ['turns', 'people'].map(
            (indicator) => ask(twin, { indicator, unit: u, period: '2024', view }).value,
          ),
        ),
      ),
    );
    expect(h.nameAt(h.indexOf('d8')!, 20_000)).toBe('Huyện Tám');
  });
});
