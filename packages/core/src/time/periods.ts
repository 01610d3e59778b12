/**
 * Reporting periods over Vietnamese day numbers (see civil.ts). A period is a closed interval of days plus a
 * canonical label; everything else (grain, label) is a function of `from` and `to`, so two periods with the same
 * days are deep-equal whichever way they were built, and `parsePeriod(p.label)` gives `p` back.
 */
import { civilFromDay, dateFromDay, dayFromCivil } from './civil.ts';
import { isoWeekOf, isoWeekStart, isoWeeksInYear } from './iso-week.ts';

/** Calendar grains, finest first. */
export const GRAINS = ['day', 'week', 'month', 'quarter', 'half', 'year'] as const;
export type Grain = (typeof GRAINS)[number];

export interface Period {
  /** The grain when the days are exactly one calendar period of it, otherwise `range`. */
  readonly grain: Grain | 'range';
  /** First day, inclusive. */
  readonly from: number;
  /** Last day, inclusive. */
  readonly to: number;
  /** Canonical expression that parses back to these days: `2024`, `2024-H2`, `2024-Q1`, `2024-03`, `2024-W01`, `2024-03-14`, `2024-03..2025-02`. */
  readonly label: string;
}

/** Days of an inclusive interval, e.g. 366 for 2024. */
export const dayCount = (p: { readonly from: number; readonly to: number }): number => p.to - p.from + 1;

/** Whether a day lies inside a period. */
export const contains = (p: { readonly from: number; readonly to: number }, day: number): boolean =>
  day >= p.from && day <= p.to;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** The `months` whole months starting with the 1-based `firstMonth` of a year. */
const monthSpan = (
  year: number,
  firstMonth: number,
  months: number,
  grain: Grain,
  label: string,
): Period => ({
  grain,
  from: dayFromCivil(year, firstMonth, 1),
  to: dayFromCivil(year, firstMonth + months, 1) - 1,
  label,
});

/** The period of a grain that contains a day. @example periodOf('quarter', dayFromDate('2024-05-02')).label // '2024-Q2' */
export const periodOf = (grain: Grain, day: number): Period => {
  switch (grain) {
    case 'day':
      return { grain, from: day, to: day, label: dateFromDay(day) };
    case 'week': {
      const { weekYear, week } = isoWeekOf(day);
      const from = isoWeekStart(weekYear, week);
      return { grain, from, to: from + 6, label: `${pad(weekYear, 4)}-W${pad(week, 2)}` };
    }
    default: {
      const { year, month } = civilFromDay(day);
      const y = pad(year, 4);
      if (grain === 'month') return monthSpan(year, month, 1, grain, `${y}-${pad(month, 2)}`);
      if (grain === 'quarter') {
        const q = Math.ceil(month / 3);
        return monthSpan(year, 3 * q - 2, 3, grain, `${y}-Q${q}`);
      }
      if (grain === 'half') {
        const h = month <= 6 ? 1 : 2;
        return monthSpan(year, 6 * h - 5, 6, grain, `${y}-H${h}`);
      }
      return monthSpan(year, 1, 12, grain, y);
    }
  }
};

const assertInterval = (from: number, to: number): void => {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from > to) {
    throw new RangeError(`not a day interval: ${from}..${to}`);
  }
};

/**
 * The consecutive periods of a grain that intersect a range, in order. They are *not* clipped: the first may
 * start before `range.from` and the last may end after `range.to`, so each is a whole calendar period.
 * @example periodsIn(parsePeriod('2024-03-15..2024-05-02', clock), 'month').map((p) => p.label) // ['2024-03', '2024-04', '2024-05']
 */
export const periodsIn = (range: { readonly from: number; readonly to: number }, grain: Grain): Period[] => {
  assertInterval(range.from, range.to);
  const periods: Period[] = [];
  for (let day = range.from; day <= range.to; ) {
    const p = periodOf(grain, day);
    // A period that missed its day would loop forever here rather than fail; make such a bug loud.
    if (!contains(p, day)) throw new Error(`periodOf('${grain}', ${day}) returned ${p.label}`);
    periods.push(p);
    day = p.to + 1;
  }
  return periods;
};

/** Coarsest first: a range is labelled in the coarsest grain whose boundaries both its ends sit on. */
const BY_COARSENESS: readonly Grain[] = ['year', 'half', 'quarter', 'month', 'week', 'day'];

const alignedGrain = (from: number, to: number): Grain =>
  BY_COARSENESS.find((g) => periodOf(g, from).from === from && periodOf(g, to).to === to) ?? 'day';

/**
 * The period of the days `from..to` inclusive. When they are exactly one calendar period the result is that
 * period (grain `month`, label `2024-03`…); otherwise it is a `range` labelled in the coarsest grain that fits
 * both ends, e.g. `2024-03..2025-02`, `2024-Q2..2025-Q1`, `2024-W50..2025-W02`, `2024-03-01..2024-04-15`.
 */
export const rangePeriod = (from: number, to: number): Period => {
  assertInterval(from, to);
  const grain = alignedGrain(from, to);
  const first = periodOf(grain, from);
  if (first.to === to) return first;
  return { grain: 'range', from, to, label: `${first.label}..${periodOf(grain, to).label}` };
};

/** The days two periods share, or undefined when they are disjoint. */
export const intersect = (
  a: { readonly from: number; readonly to: number },
  b: { readonly from: number; readonly to: number },
): Period | undefined => {
  const from = Math.max(a.from, b.from);
  const to = Math.min(a.to, b.to);
  return from <= to ? rangePeriod(from, to) : undefined;
};

/**
 * The period just before, of the same length in the grain the period is aligned to, for period-on-period
 * comparisons: 2024-03 → 2024-02, 2024-Q1 → 2023-Q4, 2024-03..2025-02 → 2023-03..2024-02, and a range of
 * loose days → the same number of days ending the day before.
 */
export const previousPeriod = (p: { readonly from: number; readonly to: number }): Period => {
  assertInterval(p.from, p.to);
  const grain = alignedGrain(p.from, p.to);
  if (grain === 'day') return rangePeriod(p.from - dayCount(p), p.from - 1);
  const count = periodsIn(p, grain).length;
  let from = p.from;
  for (let i = 0; i < count; i++) from = periodOf(grain, from - 1).from;
  return rangePeriod(from, p.from - 1);
};

/** A day one calendar year earlier, 29 February becoming 28 February. */
const dayLastYear = (day: number): number => {
  const { year, month, dayOfMonth } = civilFromDay(day);
  const lastOfMonth = civilFromDay(dayFromCivil(year - 1, month + 1, 0)).dayOfMonth;
  return dayFromCivil(year - 1, month, Math.min(dayOfMonth, lastOfMonth));
};

/** The same ISO week number a week-year earlier; week 53 becomes week 52 when that year has only 52. */
const weekStartLastYear = (day: number): number => {
  const { weekYear, week } = isoWeekOf(day);
  return isoWeekStart(weekYear - 1, Math.min(week, isoWeeksInYear(weekYear - 1)));
};

/**
 * The same period one year earlier ("cùng kỳ năm trước"): months, quarters, halves and years move back twelve
 * months, ISO weeks keep their week numbers in the previous week-year (W53 → W52 when there is no W53), and
 * other days keep their calendar date (29 February → 28 February), so 2025-01-01..2025-03-14 → 2024-01-01..2024-03-14.
 */
export const samePeriodLastYear = (p: { readonly from: number; readonly to: number }): Period => {
  assertInterval(p.from, p.to);
  const grain = alignedGrain(p.from, p.to);
  if (grain === 'week') return rangePeriod(weekStartLastYear(p.from), weekStartLastYear(p.to) + 6);
  if (grain === 'day') return rangePeriod(dayLastYear(p.from), dayLastYear(p.to));
  // Month-aligned ends stay month-aligned: the first of a month maps to a first, the last to a last.
  return rangePeriod(dayLastYear(p.from), periodOf('month', dayLastYear(p.to)).to);
};
