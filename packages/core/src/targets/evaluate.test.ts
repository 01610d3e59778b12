import { describe, expect, it } from 'vitest';
import type { EventInput } from '../events/envelope.ts';
import type { Target } from '../events/targets.ts';
import { Ledger } from '../ledger/ledger.ts';
import { MemoryEventStore } from '../store/memory-store.ts';
import { activity, type DataInput, event, unit } from '../testing/builders.ts';
import { sequentialIds } from '../testing/ids.ts';
import { fixedClock } from '../time/civil.ts';

const clock = fixedClock('2026-01-01T00:00:00Z');

/** A bloc with three grassroots units and a 2024 plan carrying the given targets. */
const withPlan = async (targets: DataInput<'directive.issued'>['targets'], more: EventInput[] = []) => {
  const ledger = await Ledger.open({
    store: new MemoryEventStore({ clock, newId: sequentialIds() }),
    clock,
    follow: false,
  });
  await ledger.appendEvents([
    unit('tw', 'central', null),
    unit('khoi', 'bloc', 'tw'),
    unit('g1', 'grassroots', 'khoi'),
    unit('g2', 'grassroots', 'khoi'),
    unit('g3', 'grassroots', 'khoi'),
    event(
      'directive.issued',
      {
        directiveId: 'kh-2024',
        number: 'KH-2024',
        kind: 'plan',
        title: 'Kế hoạch 2024',
        issuer: { unitId: 'khoi' },
        period: { from: '2024-01-01', to: '2024-12-31' },
        targets,
      },
      '2024-01-05',
    ),
    ...more,
  ]);
  return ledger;
};
const evaluate = (ledger: Ledger, targetId: string, asOf: string) =>
  ledger.target({ directive: 'kh-2024', targetId, asOf });
const grassroots = { level: 'grassroots' } as const;

/** Activities of a kind for a unit on each of the given dates. */
const acts = (u: string, kind: 'article' | 'trend-activity' | 'good-news', dates: string[]) =>
  dates.map((d, i) => activity(`${u}-${kind}-${d}-${i}`, u, d, { kind }));
const weeksOf2024 = (perWeek: number) =>
  Array.from({ length: 52 }, (_, w) =>
    Array.from({ length: perWeek }, (_, k) =>
      new Date(Date.UTC(2024, 0, 1 + w * 7 + k)).toISOString().slice(0, 10),
    ),
  ).flat();

describe('target evaluation', () => {
  it('judges a weekly cadence per unit: met, not met, and the numbers behind each verdict', async () => {
    const target: Target = {
      targetId: 'articles',
      kind: 'cadence',
      appliesTo: grassroots,
      activityKind: 'article',
      min: 2,
      per: 'week',
      attainment: 1,
      perUnit: true,
    };
    const ledger = await withPlan(
      [target],
      [...acts('g1', 'article', weeksOf2024(2)), ...acts('g2', 'article', weeksOf2024(1))],
    );
    const r = await evaluate(ledger, 'articles', '2025-01-15');
    expect(r.status).toBe('not-met');
    expect(r.units!.map((u) => [u.unit, u.status, u.value])).toEqual([
      ['g1', 'met', 1],
      ['g2', 'not-met', 0],
      ['g3', 'not-met', 0],
    ]);
    expect(r.summary).toMatchObject({ met: 1, of: 3 });
    expect(r.units![0]!.detail).toMatchObject({ met: 52, periods: 52 });
  });

  it('before the deadline says on track or at risk, pro rata for counts', async () => {
    const target: Target = {
      targetId: 'trends',
      kind: 'minimum-count',
      appliesTo: grassroots,
      per: 'unit',
      measure: { measure: 'count', activityKind: 'trend-activity' },
      min: 4,
    };
    const ledger = await withPlan(
      [target],
      [
        ...acts('g1', 'trend-activity', ['2024-02-01', '2024-03-01', '2024-05-01', '2024-06-01']),
        ...acts('g2', 'trend-activity', ['2024-03-01', '2024-04-01']),
      ],
    );
    const mid = await evaluate(ledger, 'trends', '2024-07-01');
    expect(mid.units!.map((u) => [u.unit, u.status])).toEqual([
      ['g1', 'met'],
      ['g2', 'on-track'],
      ['g3', 'at-risk'],
    ]);
    const end = await evaluate(ledger, 'trends', '2025-01-01');
    expect(end.units!.map((u) => u.status)).toEqual(['met', 'not-met', 'not-met']);
  });

  it('counts a report on the day named in "before 25/11" as late', async () => {
    const target: Target = {
      targetId: 'report',
      kind: 'report-deadline',
      appliesTo: grassroots,
      dueBefore: '2024-11-25',
      to: 'khoi',
    };
    const report = (u: string, at: string) =>
      event(
        'report.submitted',
        {
          reportId: `bc-${u}`,
          unitId: u,
          directiveId: 'kh-2024',
          period: { from: '2024-01-01', to: '2024-11-20' },
          to: 'khoi',
        },
        at,
      );
    const ledger = await withPlan(
      [target],
      [report('g1', '2024-11-24T23:59:00'), report('g2', '2024-11-25T08:00:00')],
    );
    const before = await evaluate(ledger, 'report', '2024-11-20');
    expect(before.units!.map((u) => u.status)).toEqual(['on-track', 'on-track', 'on-track']);
    const after = await evaluate(ledger, 'report', '2024-12-01');
    expect(after.deadline).toBe('2024-11-24');
    expect(after.units!.map((u) => [u.unit, u.status, u.detail])).toEqual([
      ['g1', 'met', { submitted: '2024-11-24', reportId: 'bc-g1' }],
      ['g2', 'not-met', { submitted: '2024-11-25', reportId: 'bc-g2', late: true }],
      ['g3', 'not-met', { submitted: null, reportId: null, late: false }],
    ]);
  });

  it('compounds growth over several years from a baseline, and explains the expectation', async () => {
    const followers = (count: number, on: string) =>
      event('headcount.reported', { unitId: 'khoi', population: 'followers', channel: 'fanpage', count }, on);
    const target: Target = {
      targetId: 'followers',
      kind: 'growth',
      appliesTo: { units: ['khoi'] },
      per: 'aggregate',
      measure: { measure: 'headcount', population: 'followers', channel: 'fanpage' },
      rate: 0.05,
      every: 'year',
      compounding: true,
      baseline: '2024-01-01',
      by: '2026-01-01',
      period: { from: '2024-01-01', to: '2026-01-01' },
    };
    const ledger = await withPlan(
      [target],
      [followers(10_000, '2024-01-01'), followers(10_500, '2025-01-01'), followers(11_000, '2026-01-01')],
    );
    const r = await evaluate(ledger, 'followers', '2026-01-01');
    const expected = 10_000 * 1.05 ** ((365 + 366) / 365.2425);
    expect(r.detail).toMatchObject({ baseline: 10_000, value: 11_000 });
    expect((r.detail as { expected: number }).expected).toBeCloseTo(expected, 6);
    expect(r.status).toBe(11_000 >= expected ? 'met' : 'not-met');
    expect(r.value).toBeCloseTo(0.1, 10);
  });

  it('reports no data, never a verdict, when the denominator is missing', async () => {
    const target: Target = {
      targetId: 'linked',
      kind: 'population-share',
      appliesTo: { units: ['khoi'] },
      per: 'aggregate',
      numerator: { measure: 'headcount', population: 'linked-members' },
      denominator: { measure: 'headcount', population: 'members' },
      min: 0.75,
      by: '2024-12-31',
    };
    const ledger = await withPlan(
      [target],
      [
        event(
          'headcount.reported',
          { unitId: 'khoi', population: 'linked-members', count: 80 },
          '2024-06-01',
        ),
      ],
    );
    expect(await evaluate(ledger, 'linked', '2025-01-01')).toMatchObject({
      status: 'no-data',
      value: null,
      reason: expect.stringContaining('members'),
    });
  });

  it('covers units that meet another target, and walks the cascade both ways', async () => {
    const daily: Target = {
      targetId: 'daily',
      kind: 'cadence',
      appliesTo: grassroots,
      activityKind: 'good-news',
      min: 1,
      per: 'month',
      attainment: 1,
      perUnit: true,
    };
    const all: Target = {
      targetId: 'all-daily',
      kind: 'coverage',
      appliesTo: grassroots,
      predicate: { predicate: 'target-met', targetId: 'daily' },
      min: 1,
    };
    const months = Array.from({ length: 12 }, (_, m) => `2024-${String(m + 1).padStart(2, '0')}-10`);
    const ledger = await withPlan(
      [daily, all],
      [
        ...acts('g1', 'good-news', months),
        ...acts('g2', 'good-news', months),
        event(
          'directive.issued',
          {
            directiveId: 'g1-plan',
            number: '3-KH/ĐTN',
            kind: 'plan',
            title: 'Kế hoạch đơn vị',
            issuer: { unitId: 'g1' },
            implements: ['kh-2024'],
          },
          '2024-02-01',
        ),
      ],
    );
    const r = await evaluate(ledger, 'all-daily', '2025-01-01');
    expect(r).toMatchObject({ status: 'not-met', value: 2 / 3, summary: { met: 2, of: 3 } });
    const d = await ledger.directive('kh-2024', { asOf: '2025-01-01' });
    expect(d.directive.implementedBy.map((x) => x.number)).toEqual(['3-KH/ĐTN']);
    expect(d.directive.targets.map((t) => [t.targetId, t.status])).toEqual([
      ['daily', 'not-met'],
      ['all-daily', 'not-met'],
    ]);
    const child = await ledger.directive('g1-plan', { asOf: '2025-01-01' });
    expect(child.implements.map((x) => x.id)).toEqual(['kh-2024']);
  });
});
