import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dateFromDay, dayFromCivil, dayFromDate, isoWeekday } from './civil.ts';
import { isoWeekOf, isoWeekStart, isoWeeksInYear } from './iso-week.ts';

const FC = { seed: 20251123, numRuns: 200, verbose: true } as const;

/** Days from 1900 to 2200, half of them within four days of a new year, where ISO weeks change week-year. */
const dayArb = fc.oneof(
  fc.integer({ min: dayFromCivil(1900, 1, 1), max: dayFromCivil(2200, 12, 31) }),
  fc
    .tuple(fc.integer({ min: 1900, max: 2200 }), fc.integer({ min: -4, max: 4 }))
    .map(([year, offset]) => dayFromCivil(year, 1, 1) + offset),
);

describe('ISO weeks', () => {
  it('puts 2024-12-30 into week 1 of 2025, which starts that Monday', () => {
    expect(isoWeekOf(dayFromDate('2024-12-30'))).toEqual({ weekYear: 2025, week: 1 });
    expect(isoWeekOf(dayFromDate('2024-12-29'))).toEqual({ weekYear: 2024, week: 52 });
    expect(dateFromDay(isoWeekStart(2025, 1))).toBe('2024-12-30');
  });

  it('gives 2020 and 2026 a week 53 that ends in the next January', () => {
    expect(isoWeeksInYear(2020)).toBe(53);
    expect(isoWeeksInYear(2026)).toBe(53);
    expect(isoWeekOf(dayFromDate('2021-01-03'))).toEqual({ weekYear: 2020, week: 53 });
    expect(isoWeekOf(dayFromDate('2027-01-01'))).toEqual({ weekYear: 2026, week: 53 });
    expect(dateFromDay(isoWeekStart(2026, 53))).toBe('2026-12-28');
  });

  it('gives 2021–2025 only 52 weeks', () => {
    expect([2021, 2022, 2023, 2024, 2025].map(isoWeeksInYear)).toEqual([52, 52, 52, 52, 52]);
  });

  it('places every day in the Monday-to-Sunday week that isoWeekStart names', () => {
    fc.assert(
      fc.property(dayArb, (day) => {
        const { weekYear, week } = isoWeekOf(day);
        const monday = isoWeekStart(weekYear, week);
        expect(isoWeekday(monday)).toBe(1);
        expect(day - monday).toBe(isoWeekday(day) - 1);
        expect(week).toBeGreaterThanOrEqual(1);
        expect(week).toBeLessThanOrEqual(isoWeeksInYear(weekYear));
      }),
      FC,
    );
  });

  it('gives a year 53 weeks exactly when it starts or (leap year) ends on a Thursday', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2200 }), (year) => {
        const long =
          isoWeekday(dayFromCivil(year, 1, 1)) === 4 || isoWeekday(dayFromCivil(year, 12, 31)) === 4;
        expect(isoWeeksInYear(year)).toBe(long ? 53 : 52);
        // Consecutive week-years tile the days: week 1 of the next starts right after the last week.
        expect(isoWeekStart(year + 1, 1)).toBe(isoWeekStart(year, isoWeeksInYear(year)) + 7);
      }),
      FC,
    );
  });
});
