/**
 * The period expressions that queries accept. Relative expressions are resolved here, against the caller's
 * clock, into absolute periods, so nothing downstream ever asks what "today" is and a stored query result can
 * always be labelled with the exact days it covered.
 */
import { InvalidQueryError } from '../errors.ts';
import { type Clock, civilFromDay, dayFromCivil, dayOfInstant } from './civil.ts';
import { isoWeekStart, isoWeeksInYear } from './iso-week.ts';
import { type Grain, type Period, periodOf, rangePeriod } from './periods.ts';

const ACCEPTED =
  'accepted forms: 2024, 2024-H1, 2024-Q1, 2024-03, 2024-W05 (ISO week), 2024-03-14, 14/03/2024, ' +
  'a range A..B of those (2024-01..2024-03), today, yesterday, this-week|month|quarter|half|year, ' +
  'last-week|month|quarter|half|year, week|month|quarter|half|year-to-date, ytd, ' +
  'last-N-days|weeks|months|quarters|halves|years';

const MIN_YEAR = 1000;
const MAX_YEAR = 9999;

interface Span {
  readonly from: number;
  readonly to: number;
}

const fail = (message: string): never => {
  throw new InvalidQueryError([{ path: 'period', rule: 'invalid_period', message }]);
};

const quoted = (text: string): string => `'${text.length > 40 ? `${text.slice(0, 40)}…` : text}'`;

const yearOf = (digits: string): number => {
  const year = Number(digits);
  // Four-digit labels and Date.UTC's two-digit-year quirk both end below the year 1000.
  if (year < MIN_YEAR) fail(`years must be between ${MIN_YEAR} and ${MAX_YEAR}, got ${digits}`);
  return year;
};

const calendarDay = (text: string, y: string, m: string, d: string): number => {
  const year = yearOf(y);
  const month = Number(m);
  const dayOfMonth = Number(d);
  const day = dayFromCivil(year, month, dayOfMonth);
  const back = civilFromDay(day);
  if (back.month !== month || back.dayOfMonth !== dayOfMonth) fail(`${quoted(text)} is not a calendar date`);
  return day;
};

const months = (year: number, firstMonth: number, count: number): Span => ({
  from: dayFromCivil(year, firstMonth, 1),
  to: dayFromCivil(year, firstMonth + count, 1) - 1,
});

type Rule = readonly [RegExp, (m: RegExpExecArray, text: string) => Span];

const singleDay = (day: number): Span => ({ from: day, to: day });

const ABSOLUTE: readonly Rule[] = [
  [/^(\d{4})$/, (m) => months(yearOf(m[1]!), 1, 12)],
  [/^(\d{4})-h([12])$/, (m) => months(yearOf(m[1]!), 6 * Number(m[2]) - 5, 6)],
  [/^(\d{4})-q([1-4])$/, (m) => months(yearOf(m[1]!), 3 * Number(m[2]) - 2, 3)],
  [
    /^(\d{4})-(\d{2})$/,
    (m, text) => {
      const month = Number(m[2]);
      if (month < 1 || month > 12) fail(`${quoted(text)}: the month must be 01–12`);
      return months(yearOf(m[1]!), month, 1);
    },
  ],
  [
    /^(\d{4})-w(\d{2})$/,
    (m, text) => {
      const weekYear = yearOf(m[1]!);
      const week = Number(m[2]);
      const weeks = isoWeeksInYear(weekYear);
      if (week < 1 || week > weeks)
        fail(`${quoted(text)}: ISO week-year ${weekYear} has weeks W01–W${weeks}`);
      const from = isoWeekStart(weekYear, week);
      return { from, to: from + 6 };
    },
  ],
  [/^(\d{4})-(\d{2})-(\d{2})$/, (m, text) => singleDay(calendarDay(text, m[1]!, m[2]!, m[3]!))],
  [/^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, (m, text) => singleDay(calendarDay(text, m[3]!, m[2]!, m[1]!))],
];

const firstMatch = (rules: readonly Rule[], text: string): Span | undefined => {
  for (const [pattern, read] of rules) {
    const m = pattern.exec(text);
    if (m) return read(m, text);
  }
  return undefined;
};

const GRAIN_WORDS: Readonly<Record<string, Grain>> = {
  day: 'day',
  days: 'day',
  week: 'week',
  weeks: 'week',
  month: 'month',
  months: 'month',
  quarter: 'quarter',
  quarters: 'quarter',
  half: 'half',
  halves: 'half',
  year: 'year',
  years: 'year',
};

/** The first day of the period `n` periods of a grain before the one that starts on `start`. */
const periodsBack = (grain: Grain, start: number, n: number): number => {
  if (grain === 'day') return start - n;
  if (grain === 'week') return start - 7 * n;
  const { year, month } = civilFromDay(start);
  const length = { month: 1, quarter: 3, half: 6, year: 12 }[grain];
  return dayFromCivil(year, month - n * length, 1);
};

/** The relative expressions, resolved on the given Vietnamese day. */
const relativeRules = (today: number): readonly Rule[] => [
  [/^today$/, () => singleDay(today)],
  [/^yesterday$/, () => singleDay(today - 1)],
  [/^ytd$/, () => ({ from: periodOf('year', today).from, to: today })],
  [
    /^(this|last)-(week|month|quarter|half|year)$/,
    (m) => {
      const grain = GRAIN_WORDS[m[2]!]!;
      const current = periodOf(grain, today);
      return m[1] === 'this' ? current : periodOf(grain, current.from - 1);
    },
  ],
  [
    /^(week|month|quarter|half|year)-to-date$/,
    (m) => ({ from: periodOf(GRAIN_WORDS[m[1]!]!, today).from, to: today }),
  ],
  [
    /^last-(\d+)-(days|weeks|months|quarters|halves|years)$/,
    (m, text) => {
      const grain = GRAIN_WORDS[m[2]!]!;
      const n = Number(m[1]);
      if (n < 1) fail(`${quoted(text)}: N must be at least 1`);
      const start = periodOf(grain, today).from;
      return { from: periodsBack(grain, start, n), to: start - 1 };
    },
  ],
];

const MIN_DAY = dayFromCivil(MIN_YEAR, 1, 1);
const MAX_DAY = dayFromCivil(MAX_YEAR, 12, 31);

/**
 * Resolves a period expression to absolute days in Vietnamese civil time. The result is canonical (see
 * {@link rangePeriod}): `2024-01..2024-03` comes back as the quarter `2024-Q1`, and its label parses to the
 * same days.
 *
 * - Absolute: `2024`, `2024-H1`, `2024-Q3`, `2024-03`, `2024-W05` (ISO 8601 week of the ISO week-year),
 *   `2024-03-14`, `14/03/2024` (Vietnamese day/month/year order); `A..B` runs from the first day of A to the
 *   last day of B (`2024-03-15..2024-04`), and is rejected when it would end before it starts.
 * - Relative, on the clock's current Vietnamese day: `today`, `yesterday`; `this-week|month|quarter|half|year`
 *   (the current one, including days still to come); `last-week|…|year` (the previous complete one);
 *   `week|month|quarter|half|year-to-date` and `ytd` (the current one's start through today);
 *   `last-N-days|weeks|months|quarters|halves|years`: the N complete periods of that grain before the current
 *   one, as in DHIS2, so `last-12-months` in March 2025 is 2024-03..2025-02 and `last-7-days` ends yesterday.
 *
 * Case and surrounding spaces are ignored. Throws {@link InvalidQueryError} (path `period`, rule
 * `invalid_period`) with a message listing the accepted forms.
 * @example parsePeriod('last-12-months', fixedClock('2025-03-10T08:00:00+07:00')).label // '2024-03..2025-02'
 */
export const parsePeriod = (expression: string, clock: Clock): Period => {
  const text = expression.trim().toLowerCase();
  const parts = text.split('..');
  if (parts.length === 2) {
    const [a, b] = parts.map((part) => part.trim()) as [string, string];
    const start = firstMatch(ABSOLUTE, a);
    const end = firstMatch(ABSOLUTE, b);
    if (!start || !end) {
      return fail(`${quoted(expression)}: both ends of a range A..B must be absolute periods; ${ACCEPTED}`);
    }
    if (end.to < start.from) fail(`${quoted(expression)} ends before it starts`);
    return rangePeriod(start.from, end.to);
  }
  const span = firstMatch(ABSOLUTE, text) ?? firstMatch(relativeRules(dayOfInstant(clock.now())), text);
  if (!span) return fail(`${quoted(expression)} is not a period; ${ACCEPTED}`);
  // Only relative expressions can get here out of range (a huge N, or a clock far in the future).
  if (!(span.from >= MIN_DAY && span.to <= MAX_DAY)) {
    fail(`${quoted(expression)} reaches outside the years ${MIN_YEAR}–${MAX_YEAR}`);
  }
  return rangePeriod(span.from, span.to);
};
