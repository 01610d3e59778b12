import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidQueryError } from '../errors.ts';
import { dateFromDay, dayFromCivil, fixedClock, startOfDay } from './civil.ts';
import { parsePeriod } from './period-expressions.ts';
import { dayCount, GRAINS, periodOf, periodsIn } from './periods.ts';

const FC = { seed: 20251123, numRuns: 200, verbose: true } as const;
/** Monday 10 March 2025, 08:00 in Hanoi. */
const clock = fixedClock('2025-03-10T08:00:00+07:00');
const parse = (expression: string) => {
  const p = parsePeriod(expression, clock);
  return { grain: p.grain, label: p.label, from: dateFromDay(p.from), to: dateFromDay(p.to) };
};
const issueOf = (expression: string) => {
  try {
    parsePeriod(expression, clock);
  } catch (e) {
    if (e instanceof InvalidQueryError) return e.issues[0];
    throw e;
  }
  throw new Error(`'${expression}' parsed`);
};

describe('absolute expressions', () => {
  it('reads every calendar grain', () => {
    expect(parse('2024')).toEqual({ grain: 'year', label: '2024', from: '2024-01-01', to: '2024-12-31' });
    expect(parse('2024-H2')).toEqual({
      grain: 'half',
      label: '2024-H2',
      from: '2024-07-01',
      to: '2024-12-31',
    });
    expect(parse('2024-Q1')).toMatchObject({ grain: 'quarter', from: '2024-01-01', to: '2024-03-31' });
    expect(parse('2024-02')).toMatchObject({ grain: 'month', from: '2024-02-01', to: '2024-02-29' });
    expect(parse('2024-03-14')).toMatchObject({ grain: 'day', from: '2024-03-14', to: '2024-03-14' });
    expect(parse('2025-W01')).toMatchObject({ grain: 'week', from: '2024-12-30', to: '2025-01-05' });
  });

  it('accepts ISO week 53 only in years that have one', () => {
    expect(parse('2020-W53')).toMatchObject({ from: '2020-12-28', to: '2021-01-03' });
    expect(parse('2026-W53')).toMatchObject({ from: '2026-12-28', to: '2027-01-03' });
    expect(issueOf('2025-W53')?.message).toContain('W01–W52');
    expect(issueOf('2024-W00')).toBeDefined();
  });

  it('accepts the leap day 2024-02-29 and rejects 2023-02-29', () => {
    expect(parse('2024-02-29').label).toBe('2024-02-29');
    expect(issueOf('2023-02-29')?.message).toContain('not a calendar date');
    expect(issueOf('29/02/2023')).toBeDefined();
    expect(issueOf('2024-13')?.message).toContain('01–12');
    expect(issueOf('2024-04-31')).toBeDefined();
  });

  it('reads Vietnamese day/month/year dates', () => {
    expect(parse('25/11/2024')).toMatchObject({ grain: 'day', label: '2024-11-25' });
    expect(parse('5/1/2025').label).toBe('2025-01-05');
    expect(parse('01/01/2025..31/03/2025').label).toBe('2025-Q1');
  });

  it('runs a range from the start of A to the end of B, in canonical form', () => {
    expect(parse('2024-03..2025-02')).toMatchObject({ grain: 'range', from: '2024-03-01', to: '2025-02-28' });
    expect(parse('2024-03-15..2024-04')).toMatchObject({ label: '2024-03-15..2024-04-30' });
    expect(parse('2024-01..2024-03').label).toBe('2024-Q1');
    expect(parse('2024-Q1..2024-W20')).toMatchObject({ from: '2024-01-01', to: '2024-05-19' });
    expect(parse(' 2024-q1 .. 2024-q2 ').label).toBe('2024-H1');
  });

  it('rejects a range that ends before it starts, and relative ends', () => {
    expect(issueOf('2024-06..2024-03')?.message).toContain('ends before it starts');
    expect(issueOf('2024-01..today')?.message).toContain('absolute');
  });

  it('fails with path period, rule invalid_period and the accepted forms', () => {
    const issue = issueOf('next-month');
    expect(issue).toMatchObject({ path: 'period', rule: 'invalid_period' });
    expect(issue?.message).toContain('accepted forms');
    expect(issue?.message).toContain('last-N-days');
    for (const bad of [
      '',
      '24',
      '2024-Q5',
      '2024-H3',
      '0999',
      '2024-3',
      'last-0-days',
      'last-2-fortnights',
    ]) {
      expect(issueOf(bad), bad).toMatchObject({ rule: 'invalid_period' });
    }
  });
});

describe('relative expressions', () => {
  it('resolves against the clock to canonical absolute periods', () => {
    const labels = (exprs: string[]) => exprs.map((e) => parse(e).label);
    expect(
      labels(['today', 'yesterday', 'this-week', 'this-month', 'this-quarter', 'this-half', 'this-year']),
    ).toEqual(['2025-03-10', '2025-03-09', '2025-W11', '2025-03', '2025-Q1', '2025-H1', '2025']);
    expect(labels(['last-week', 'last-month', 'last-quarter', 'last-half', 'last-year'])).toEqual([
      '2025-W10',
      '2025-02',
      '2024-Q4',
      '2024-H2',
      '2024',
    ]);
  });

  it('counts last-N periods as the complete ones before the current, as DHIS2 does', () => {
    expect(parse('last-12-months')).toMatchObject({ grain: 'range', label: '2024-03..2025-02' });
    expect(parse('last-7-days')).toMatchObject({ from: '2025-03-03', to: '2025-03-09' });
    expect(parse('last-4-quarters').label).toBe('2024');
    expect(parse('last-2-weeks').label).toBe('2025-W09..2025-W10');
    expect(parse('last-3-years').label).toBe('2022..2024');
    expect(parse('last-2-halves').label).toBe('2024');
  });

  it('runs to-date periods from the start of the current one through today', () => {
    expect(parse('year-to-date')).toMatchObject({ label: '2025-01-01..2025-03-10' });
    expect(parse('ytd').label).toBe('2025-01-01..2025-03-10');
    expect(parse('month-to-date').label).toBe('2025-03-01..2025-03-10');
    expect(parse('quarter-to-date').label).toBe('2025-01-01..2025-03-10');
    // Today is Monday, so the week so far is one day.
    expect(parse('week-to-date').label).toBe('2025-03-10');
  });

  it('uses the Vietnamese day: 2024-12-31T17:00:00Z is already 2025', () => {
    const newYear = fixedClock('2024-12-31T17:00:00Z');
    expect(parsePeriod('this-year', newYear).label).toBe('2025');
    expect(parsePeriod('this-week', newYear).label).toBe('2025-W01');
    expect(parsePeriod('this-quarter', newYear).label).toBe('2025-Q1');
    expect(parsePeriod('last-year', fixedClock('2024-12-31T16:59:59.999Z')).label).toBe('2023');
  });

  it('rejects an N that reaches outside the supported years', () => {
    expect(issueOf('last-100000-years')?.message).toContain('1000–9999');
  });

  const todayArb = fc.integer({ min: dayFromCivil(1950, 1, 1), max: dayFromCivil(2150, 12, 31) });
  const pluralOf = {
    day: 'days',
    week: 'weeks',
    month: 'months',
    quarter: 'quarters',
    half: 'halves',
    year: 'years',
  };

  it('lays this-, last-, to-date and last-N periods out consistently for any day', () => {
    fc.assert(
      fc.property(
        todayArb,
        fc.constantFrom(...GRAINS),
        fc.integer({ min: 1, max: 40 }),
        (today, grain, n) => {
          const at = fixedClock(new Date(startOfDay(today).getTime() + 12 * 3_600_000));
          const current = periodOf(grain, today);
          const lastN = parsePeriod(`last-${n}-${pluralOf[grain]}`, at);
          expect(lastN.to).toBe(current.from - 1);
          expect(periodsIn(lastN, grain)).toHaveLength(n);
          expect(periodsIn(lastN, grain)[0]?.from).toBe(lastN.from);
          if (grain === 'day') return;
          expect(parsePeriod(`this-${grain}`, at)).toEqual(current);
          const last = parsePeriod(`last-${grain}`, at);
          expect(last).toEqual(parsePeriod(`last-1-${pluralOf[grain]}`, at));
          expect(last.to + 1).toBe(current.from);
          const toDate = parsePeriod(`${grain}-to-date`, at);
          expect([toDate.from, toDate.to]).toEqual([current.from, today]);
          expect(dayCount(toDate)).toBeLessThanOrEqual(dayCount(current));
          expect(parsePeriod(toDate.label, at)).toEqual(toDate);
        },
      ),
      FC,
    );
  });
});
