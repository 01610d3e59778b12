import type { IndicatorQuery, IndicatorResult } from '@chitieu/core';
import { REORGANISATION_DATE } from '@chitieu/fixtures';
import type { DateRange, SqlReference } from './sql-reference.ts';

/** Uniform numbers in [0, 1) from a seeded generator. */
export type Random = () => number;

/** One drawn question: the engine's query and the date range the SQL reference needs. */
export interface Draw {
  readonly query: IndicatorQuery;
  readonly range: DateRange;
  readonly unit: string;
}

/** What the SQL answer was, and whether it agrees with the engine's. */
export interface Agreement {
  readonly agrees: boolean;
  /** Exact equality is required of additive measures; distinct counts may be sketches. */
  readonly rule: 'exact' | 'within sketch error';
  readonly engine: unknown;
  readonly sql: unknown;
}

/** A kind of question the bench asks both the engine and SQLite. */
export interface QueryKind {
  readonly id: string;
  readonly label: string;
  draw(rng: Random): Draw;
  /** Computes the answer in SQL and compares it with the engine's. */
  check(sql: SqlReference, draw: Draw, engine: IndicatorResult): Agreement;
}

const quarterRange = (year: number, q: number): DateRange => {
  const first = (q - 1) * 3 + 1;
  const last = new Date(Date.UTC(year, first + 2, 0)).getUTCDate();
  const mm = (m: number) => String(m).padStart(2, '0');
  return { from: `${year}-${mm(first)}-01`, to: `${year}-${mm(first + 2)}-${last}` };
};

/**
 * Quarters that end before the 2025 reorganisation, where the SQL reference's unit map is exact (provinces
 * merge on 1 July 2025, and the reference does not model merges).
 */
const QUARTERS = [2023, 2024, 2025].flatMap((year) =>
  [1, 2, 3, 4]
    .map((q) => ({ label: `${year}-Q${q}`, range: quarterRange(year, q) }))
    .filter((x) => x.range.to < REORGANISATION_DATE),
);

const pick = <T>(rng: Random, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * 30 days from the 5th to the 24th of a month of the quarters above: both ends fall mid-month, so the
 * engine reads the days at the edges from participation logs rather than from whole-month cells.
 */
const midMonthRange = (rng: Random): DateRange => {
  const quarter = pick(rng, QUARTERS);
  const [year, month] = quarter.range.from.split('-').map(Number) as [number, number];
  let from = Date.UTC(year, month - 1 + Math.floor(rng() * 3), 5 + Math.floor(rng() * 20));
  // The unit map is exact only before the reorganisation: a window that would reach it moves back.
  if (isoDay(from + 29 * DAY_MS) >= REORGANISATION_DATE) from -= 40 * DAY_MS;
  return { from: isoDay(from), to: isoDay(from + 29 * DAY_MS) };
};

/**
 * Seven days from the 2nd to the 22nd of a month of the quarters above: a week inside one month ("this
 * week"), which neither a month's cells nor their first and last days answer.
 */
const weekInMonthRange = (rng: Random): DateRange => {
  const quarter = pick(rng, QUARTERS);
  const [year, month] = quarter.range.from.split('-').map(Number) as [number, number];
  const from = Date.UTC(year, month - 1 + Math.floor(rng() * 3), 2 + Math.floor(rng() * 21));
  return { from: isoDay(from), to: isoDay(from + 6 * DAY_MS) };
};

const provinceQuarter = (
  provinces: readonly string[],
  rng: Random,
  extra: Partial<IndicatorQuery>,
  indicator: IndicatorQuery['indicator'],
): Draw => {
  const unit = pick(rng, provinces);
  const quarter = pick(rng, QUARTERS);
  return { unit, range: quarter.range, query: { indicator, unit, period: quarter.label, ...extra } };
};

/** Distinct people of a province over a range of days that `range` draws, checked against SQL's. */
const peopleOverDays = (
  provinces: readonly string[],
  id: string,
  label: string,
  range: (rng: Random) => DateRange,
): QueryKind => ({
  id,
  label,
  draw: (rng) => {
    const unit = pick(rng, provinces);
    const days = range(rng);
    return { unit, range: days, query: { indicator: 'people', unit, period: `${days.from}..${days.to}` } };
  },
  check: (sql, d, engine) => peopleAgreement(engine, sql.people(d.unit, d.range)),
});

/** Sketched distinct counts carry a relative standard error; four of them is far outside chance. */
const closeEnough = (
  engine: IndicatorResult | { value: number | null; exact?: boolean; relativeError?: number },
  sql: number,
) => {
  if (engine.value === null) return false;
  if (engine.exact !== false) return engine.value === sql;
  return Math.abs(engine.value - sql) <= 4 * (engine.relativeError ?? 0.02) * Math.max(1, sql);
};

/** A distinct count against SQL's: exact, or within four standard errors of a sketch. */
const peopleAgreement = (engine: IndicatorResult, sql: number): Agreement => ({
  agrees: closeEnough(engine, sql),
  rule: engine.exact === false ? 'within sketch error' : 'exact',
  engine: { value: engine.value, exact: engine.exact, relativeError: engine.relativeError },
  sql,
});

/**
 * The questions of the issue: subtree × period (province, nation), breakdown, ratio, distinct people over a
 * quarter, over a period that starts and ends mid-month, and over a week inside a month.
 */
export const queryKinds = (provinces: readonly string[]): QueryKind[] => [
  {
    id: 'province-quarter',
    label: 'turns, province × quarter',
    draw: (rng) => provinceQuarter(provinces, rng, {}, 'turns'),
    check: (sql, d, engine) => {
      const s = sql.province(d.unit, d.range).turns;
      return { agrees: engine.value === s, rule: 'exact', engine: engine.value, sql: s };
    },
  },
  {
    id: 'national-year',
    label: 'turns, nation × year',
    draw: (rng) => {
      const year = pick(rng, [2023, 2024, 2025]);
      const range = { from: `${year}-01-01`, to: `${year}-12-31` };
      return { unit: 'tw', range, query: { indicator: 'turns', unit: 'tw', period: String(year) } };
    },
    check: (sql, d, engine) => {
      const s = sql.national(d.range).turns;
      return { agrees: engine.value === s, rule: 'exact', engine: engine.value, sql: s };
    },
  },
  {
    id: 'by-unit',
    label: 'turns by child unit, province × quarter',
    draw: (rng) => provinceQuarter(provinces, rng, { by: 'unit' }, 'turns'),
    check: (sql, d, engine) => {
      // Rows of zero may be left out by either side; everything else must match key for key.
      const fromEngine = Object.fromEntries(
        (engine.rows ?? []).filter((r) => r.value !== 0).map((r) => [r.key, r.value]),
      );
      const fromSql = Object.fromEntries(
        [...sql.byChild(d.unit, d.range)].filter(([, v]) => v.turns !== 0).map(([k, v]) => [k, v.turns]),
      );
      const keys = new Set([...Object.keys(fromEngine), ...Object.keys(fromSql)]);
      const agrees = [...keys].every((k) => fromEngine[k] === fromSql[k]) && engine.value === sumOf(fromSql);
      return { agrees, rule: 'exact', engine: fromEngine, sql: fromSql };
    },
  },
  {
    id: 'participation-rate',
    label: 'participation rate, province × quarter',
    draw: (rng) =>
      provinceQuarter(provinces, rng, { params: { population: 'members' } }, 'participation-rate'),
    check: (sql, d, engine) => {
      const s = sql.participationRate(d.unit, d.range);
      const detail = (engine.detail ?? {}) as { numerator?: number | null; denominator?: number | null };
      const agrees =
        detail.denominator === s.members &&
        closeEnough(
          { value: detail.numerator ?? null, ...(engine.exact === false ? { exact: false } : {}) },
          s.people,
        );
      return {
        agrees,
        rule: engine.exact === false ? 'within sketch error' : 'exact',
        engine: detail,
        sql: s,
      };
    },
  },
  {
    id: 'people',
    label: 'distinct people, province × quarter',
    draw: (rng) => provinceQuarter(provinces, rng, {}, 'people'),
    check: (sql, d, engine) => peopleAgreement(engine, sql.people(d.unit, d.range)),
  },
  peopleOverDays(
    provinces,
    'people-days',
    'distinct people, province × 30 days from mid-month',
    midMonthRange,
  ),
  peopleOverDays(
    provinces,
    'people-week',
    'distinct people, province × 7 days inside a month',
    weekInMonthRange,
  ),
];

const sumOf = (rows: Record<string, number>) => Object.values(rows).reduce((s, v) => s + v, 0);
