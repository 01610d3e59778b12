import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  civilFromDay,
  dayFromCivil,
  dayFromDate,
  dayOfInstant,
  fixedClock,
  isoWeekday,
  startOfDay,
} from './civil.ts';
import { parsePeriod } from './period-expressions.ts';
import {
  contains,
  dayCount,
  GRAINS,
  intersect,
  type Period,
  periodOf,
  periodsIn,
  previousPeriod,
  rangePeriod,
  samePeriodLastYear,
} from './periods.ts';

const FC = { seed: 20251123, numRuns: 200, verbose: true } as const;
const clock = fixedClock('2025-03-10T08:00:00+07:00');
const d = dayFromDate;
const days = (p: Period) => [p.label, p.from, p.to];
const span = (from: string, to: string) => ({ from: d(from), to: d(to) });

const dayArb = fc.oneof(
  fc.integer({ min: dayFromCivil(1900, 1, 1), max: dayFromCivil(2200, 12, 31) }),
  fc
    .tuple(fc.integer({ min: 1900, max: 2200 }), fc.integer({ min: -4, max: 4 }))
    .map(([year, offset]) => dayFromCivil(year, 1, 1) + offset),
);
const grainArb = fc.constantFrom(...GRAINS);
const rangeArb = fc
  .tuple(dayArb, fc.integer({ min: 0, max: 1200 }))
  .map(([from, length]) => ({ from, to: from + length }));
/** Ranges whose ends sit on calendar boundaries, so that every label form is exercised. */
const alignedRangeArb = fc
  .tuple(grainArb, dayArb, fc.integer({ min: 0, max: 30 }))
  .map(([grain, day, count]) => {
    let to = periodOf(grain, day).to;
    for (let i = 0; i < count; i++) to = periodOf(grain, to + 1).to;
    return { from: periodOf(grain, day).from, to };
  });
const periodArb: fc.Arbitrary<Period> = fc.oneof(
  fc.tuple(grainArb, dayArb).map(([grain, day]) => periodOf(grain, day)),
  rangeArb.map((r) => rangePeriod(r.from, r.to)),
  alignedRangeArb.map((r) => rangePeriod(r.from, r.to)),
);

describe('periodOf', () => {
  it('labels each grain canonically', () => {
    const day = d('2024-03-14');
    expect(GRAINS.map((g) => periodOf(g, day).label)).toEqual([
      '2024-03-14',
      '2024-W11',
      '2024-03',
      '2024-Q1',
      '2024-H1',
      '2024',
    ]);
  });

  it('bounds quarters and halves by the calendar, leap day included', () => {
    expect(days(periodOf('quarter', d('2024-02-29')))).toEqual(['2024-Q1', d('2024-01-01'), d('2024-03-31')]);
    expect(dayCount(periodOf('quarter', d('2024-02-29')))).toBe(91);
    expect(dayCount(periodOf('quarter', d('2023-02-28')))).toBe(90);
    expect(days(periodOf('half', d('2024-07-01')))).toEqual(['2024-H2', d('2024-07-01'), d('2024-12-31')]);
    expect(days(periodOf('month', d('2024-02-10')))).toEqual(['2024-02', d('2024-02-01'), d('2024-02-29')]);
    expect(dayCount(periodOf('year', d('2024-06-01')))).toBe(366);
  });

  it('labels a week by its ISO week-year, not the calendar year of the day', () => {
    expect(days(periodOf('week', d('2021-01-01')))).toEqual(['2020-W53', d('2020-12-28'), d('2021-01-03')]);
    expect(days(periodOf('week', d('2024-12-31')))).toEqual(['2025-W01', d('2024-12-30'), d('2025-01-05')]);
  });

  it('puts the instant 2024-12-31T17:00:00Z on 2025-01-01, in 2025-W01 and 2025-Q1', () => {
    const day = dayOfInstant(new Date('2024-12-31T17:00:00Z'));
    expect(day).toBe(d('2025-01-01'));
    expect(periodOf('week', day).label).toBe('2025-W01');
    expect(periodOf('quarter', day).label).toBe('2025-Q1');
    const before = dayOfInstant(new Date('2024-12-31T16:59:59.999Z'));
    expect(periodOf('quarter', before).label).toBe('2024-Q4');
    expect(periodOf('week', before).label).toBe('2025-W01');
  });

  it('contains the day it was asked about', () => {
    fc.assert(
      fc.property(grainArb, dayArb, (grain, day) => {
        const p = periodOf(grain, day);
        expect(p.grain).toBe(grain);
        expect(contains(p, day)).toBe(true);
        expect(periodOf(grain, p.from)).toEqual(p);
        expect(periodOf(grain, p.to)).toEqual(p);
      }),
      FC,
    );
  });

  it('makes weeks seven days from Monday, and months, quarters, halves and years nest exactly', () => {
    fc.assert(
      fc.property(dayArb, (day) => {
        const week = periodOf('week', day);
        expect(dayCount(week)).toBe(7);
        expect(isoWeekday(week.from)).toBe(1);
        // periodsIn does not clip, so matching both ends proves the inner periods tile the outer one exactly.
        const tiles = (outer: Period, grain: 'month' | 'quarter' | 'half') => {
          const inner = periodsIn(outer, grain);
          expect([inner[0]?.from, inner.at(-1)?.to]).toEqual([outer.from, outer.to]);
          return inner.length;
        };
        expect(tiles(periodOf('quarter', day), 'month')).toBe(3);
        expect(tiles(periodOf('half', day), 'quarter')).toBe(2);
        expect(tiles(periodOf('year', day), 'quarter')).toBe(4);
        expect(tiles(periodOf('year', day), 'half')).toBe(2);
        expect(tiles(periodOf('year', day), 'month')).toBe(12);
        expect(civilFromDay(periodOf('year', day).from)).toMatchObject({ month: 1, dayOfMonth: 1 });
      }),
      FC,
    );
  });
});

describe('periodsIn', () => {
  it('returns whole periods, the first and last not clipped to the range', () => {
    expect(periodsIn(span('2024-03-15', '2024-05-02'), 'month').map((p) => p.label)).toEqual([
      '2024-03',
      '2024-04',
      '2024-05',
    ]);
    expect(periodsIn(span('2024-12-31', '2025-01-01'), 'week').map((p) => p.label)).toEqual(['2025-W01']);
  });

  it('rejects an inverted range as a bug', () => {
    expect(() => periodsIn({ from: 10, to: 9 }, 'day')).toThrow(RangeError);
  });

  it('partitions any range: every day in exactly one period, consecutive periods adjacent', () => {
    fc.assert(
      fc.property(rangeArb, grainArb, (range, grain) => {
        const periods = periodsIn(range, grain);
        expect(periods.length).toBeGreaterThan(0);
        expect(contains(periods[0]!, range.from)).toBe(true);
        expect(contains(periods.at(-1)!, range.to)).toBe(true);
        // One expectation over all periods: a day grain yields over a thousand of them per run.
        const faults = periods.flatMap((p, i) => [
          ...(p.grain === grain ? [] : [`${p.label}: grain ${p.grain}`]),
          ...(p.from <= p.to && p.to >= range.from && p.from <= range.to
            ? []
            : [`${p.label} misses the range`]),
          ...(i === 0 || p.from === periods[i - 1]!.to + 1
            ? []
            : [`${p.label} not adjacent to its predecessor`]),
        ]);
        expect(faults).toEqual([]);
      }),
      FC,
    );
  });
});

describe('rangePeriod', () => {
  it('labels a range in the coarsest grain that fits both ends', () => {
    expect(rangePeriod(d('2024-03-01'), d('2025-02-28')).label).toBe('2024-03..2025-02');
    expect(rangePeriod(d('2024-04-01'), d('2025-03-31')).label).toBe('2024-Q2..2025-Q1');
    expect(rangePeriod(d('2023-01-01'), d('2024-12-31')).label).toBe('2023..2024');
    expect(rangePeriod(d('2024-12-09'), d('2025-01-12')).label).toBe('2024-W50..2025-W02');
    expect(rangePeriod(d('2024-03-01'), d('2024-04-15')).label).toBe('2024-03-01..2024-04-15');
    // February 2021 runs Monday to Sunday, so it is also weeks W05–W08; the month is the coarser grain.
    expect(rangePeriod(d('2021-02-01'), d('2021-02-28')).label).toBe('2021-02');
    expect(rangePeriod(d('2021-02-01'), d('2021-03-28')).label).toBe('2021-W05..2021-W12');
  });

  it('gives back the calendar period when the days are exactly one', () => {
    expect(rangePeriod(d('2024-01-01'), d('2024-03-31'))).toEqual(periodOf('quarter', d('2024-02-01')));
    expect(rangePeriod(d('2024-03-14'), d('2024-03-14')).grain).toBe('day');
    expect(rangePeriod(d('2024-03-01'), d('2024-03-02')).grain).toBe('range');
  });

  it('writes labels that parse back to the same period', () => {
    fc.assert(
      fc.property(periodArb, (p) => {
        expect(parsePeriod(p.label, clock)).toEqual(p);
      }),
      FC,
    );
  });
});

describe('comparison helpers', () => {
  it('intersects and counts days', () => {
    expect(intersect(span('2024-01-01', '2024-03-31'), span('2024-03-01', '2024-06-30'))?.label).toBe(
      '2024-03',
    );
    expect(intersect(span('2024-01-01', '2024-01-31'), span('2024-02-01', '2024-02-29'))).toBeUndefined();
    expect(dayCount(span('2024-01-01', '2024-12-31'))).toBe(366);
  });

  it('steps back by the grain the period is aligned to', () => {
    const prev = (expr: string) => previousPeriod(parsePeriod(expr, clock)).label;
    expect(prev('2024-03')).toBe('2024-02');
    expect(prev('2024-Q1')).toBe('2023-Q4');
    expect(prev('2025-W01')).toBe('2024-W52');
    expect(prev('2021-W01')).toBe('2020-W53');
    expect(prev('2024-03..2025-02')).toBe('2023-03..2024-02');
    expect(prev('2024-03-01..2024-03-10')).toBe('2024-02-20..2024-02-29');
  });

  it('finds the same period last year, clamping 29 February and week 53', () => {
    const ly = (expr: string) => samePeriodLastYear(parsePeriod(expr, clock)).label;
    expect(ly('2025-03')).toBe('2024-03');
    expect(ly('2025-02')).toBe('2024-02');
    expect(ly('2025-Q1..2025-Q2')).toBe('2024-H1');
    expect(ly('2024-02-29')).toBe('2023-02-28');
    expect(ly('2025-01-01..2025-03-14')).toBe('2024-01-01..2024-03-14');
    expect(ly('2021-W10')).toBe('2020-W10');
    expect(ly('2020-W53')).toBe('2019-W52');
  });

  it('makes previousPeriod end the day before, with as many whole periods of its grain', () => {
    fc.assert(
      fc.property(periodArb, (p) => {
        const prev = previousPeriod(p);
        expect(prev.to).toBe(p.from - 1);
        if (p.grain !== 'range') expect(prev.grain).toBe(p.grain);
        if (p.grain === 'day' || p.grain === 'week') expect(dayCount(prev)).toBe(dayCount(p));
      }),
      FC,
    );
  });
});

describe('day boundaries in Vietnamese time', () => {
  it('puts instants within a millisecond of local midnight on the correct side', () => {
    fc.assert(
      fc.property(dayArb, fc.constantFrom(-1, 0, 1), (day, offsetMs) => {
        const instant = startOfDay(day).getTime() + offsetMs;
        const expected = offsetMs < 0 ? day - 1 : day;
        expect(dayOfInstant(instant)).toBe(expected);
        expect(parsePeriod('today', fixedClock(new Date(instant))).from).toBe(expected);
      }),
      FC,
    );
  });
});
