import type { Database, Statement } from 'better-sqlite3';

/**
 * The physical reference for indicator queries: the same figures computed by SQLite from the events table
 * (json_extract on `data`) with `GROUP BY`, a subtree being a join on `bench_unit_map`. It is given the
 * indexes a competent SQL reporting layer would add — partial expression indexes on the activity's unit and
 * day — so the ratio compares the engine with a reasonable SQL design, not with a full scan.
 */
export const REFERENCE_INDEXES = [
  `CREATE INDEX bench_activity_unit_day ON events (json_extract(data, '$.unitId'), occurred_at)
     WHERE type = 'activity.recorded'`,
  `CREATE INDEX bench_activity_day ON events (occurred_at) WHERE type = 'activity.recorded'`,
  `CREATE INDEX bench_headcount_unit_day ON events (json_extract(data, '$.unitId'), occurred_at)
     WHERE type = 'headcount.reported'`,
];

/** Days `from`..`to`, inclusive, as YYYY-MM-DD. */
export interface DateRange {
  readonly from: string;
  readonly to: string;
}

export interface Additive {
  readonly activities: number;
  readonly turns: number;
}

// An activity counts unless its stream holds a void; its quantity is the last correction's, else its own.
// The cache refuses logs whose corrections restate anything but the quantity, so this is the whole rule.
const LIVE = `NOT EXISTS (SELECT 1 FROM events v
                WHERE v.stream = e.stream AND v.version > 1 AND v.type = 'activity.voided')`;
const QUANTITY = `COALESCE(
    (SELECT json_extract(c.data, '$.set.quantity') FROM events c
      WHERE c.stream = e.stream AND c.version > 1 AND c.type = 'activity.corrected'
      ORDER BY c.version DESC LIMIT 1),
    json_extract(e.data, '$.quantity'))`;
// Units under the province on the activity's day (the map's stretches are [from_date, to_date)). The map
// drives (CROSS JOIN) and `+m.unit_id` drops the column's TEXT affinity: without it SQLite cannot use the
// expression index and scans the quarter's activities nationwide — 10 to 100 times slower.
const inProvince = (alsoFrom = '') => `FROM bench_unit_map m
  CROSS JOIN events e ON json_extract(e.data, '$.unitId') = +m.unit_id AND e.type = 'activity.recorded'
   AND e.occurred_at BETWEEN @from AND @to
   AND e.occurred_at >= m.from_date AND e.occurred_at < m.to_date ${alsoFrom}
  WHERE m.province_id = @province AND m.from_date <= @to AND m.to_date > @from AND ${LIVE}`;
const IN_PROVINCE = inProvince();

type Row = { activities: number; turns: number | null };

const SQL = {
  national: `SELECT COUNT(*) AS activities, SUM(${QUANTITY}) AS turns FROM events e
    WHERE e.type = 'activity.recorded' AND e.occurred_at BETWEEN @from AND @to AND ${LIVE}`,
  province: `SELECT COUNT(*) AS activities, SUM(${QUANTITY}) AS turns ${IN_PROVINCE}`,
  // The province's own records keep its id; everything else rolls up to its district (before 2025, every
  // unit below a province sits under a district).
  byChild: `SELECT COALESCE(m.district_id, m.unit_id) AS child, COUNT(*) AS activities, SUM(${QUANTITY}) AS turns
    ${IN_PROVINCE} GROUP BY child`,
  people: `SELECT COUNT(DISTINCT p.value) ${inProvince(`JOIN json_each(e.data, '$.participants') p`)}`,
  // Each unit under the province that day: its last members headcount on or before the day.
  members: `SELECT COUNT(x) AS units, SUM(x) AS count FROM (
      SELECT (SELECT json_extract(h.data, '$.count') FROM events h
               WHERE json_extract(h.data, '$.unitId') = +m.unit_id AND h.type = 'headcount.reported'
                 AND h.occurred_at <= @date AND json_extract(h.data, '$.population') = 'members'
               ORDER BY h.occurred_at DESC, h.position DESC LIMIT 1) AS x
        FROM bench_unit_map m
       WHERE m.province_id = @province AND m.from_date <= @date AND m.to_date > @date)`,
} as const;

/** The reference's queries, prepared once on a connection to a cached log. */
export class SqlReference {
  readonly #db: Database;
  readonly #sql = SQL;
  readonly #national: Statement<DateRange, Row>;
  readonly #province: Statement<DateRange & { province: string }, Row>;
  readonly #byChild: Statement<DateRange & { province: string }, Row & { child: string }>;
  readonly #people: Statement<DateRange & { province: string }, number>;
  readonly #members: Statement<{ province: string; date: string }, { units: number; count: number | null }>;

  constructor(db: Database) {
    this.#db = db;
    this.#national = db.prepare(SQL.national);
    this.#province = db.prepare(SQL.province);
    this.#byChild = db.prepare(SQL.byChild);
    this.#people = db.prepare<DateRange & { province: string }, number>(SQL.people).pluck();
    this.#members = db.prepare(SQL.members);
  }

  /** Activities and turns of the whole log over the days. */
  national(range: DateRange): Additive {
    return additive(this.#national.get(range)!);
  }

  /** Activities and turns of a province's subtree over the days (as the tree stood each day). */
  province(province: string, range: DateRange): Additive {
    return additive(this.#province.get({ ...range, province })!);
  }

  /** The same, grouped by the province itself (its own records) and each of its districts. */
  byChild(province: string, range: DateRange): Map<string, Additive> {
    return new Map(this.#byChild.all({ ...range, province }).map((r) => [r.child, additive(r)]));
  }

  /** Distinct participants in a province's subtree over the days. */
  people(province: string, range: DateRange): number {
    return this.#people.get({ ...range, province })!;
  }

  /** Members of the province's units on a day: each unit's last report on or before it, summed. */
  members(province: string, date: string): number | null {
    return this.#members.get({ province, date })!.count;
  }

  /** Distinct participants over the days ÷ members at the last day. */
  participationRate(
    province: string,
    range: DateRange,
  ): { people: number; members: number | null; value: number | null } {
    const people = this.people(province, range);
    const members = this.members(province, range.to);
    return { people, members, value: members === null || members === 0 ? null : people / members };
  }

  /** Each statement's query plan, for the results file (it shows which index each query rides). */
  plans(): Record<string, string[]> {
    return Object.fromEntries(
      Object.entries(this.#sql).map(([name, sql]) => [
        name,
        (this.#db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(PLAN_PARAMS) as { detail: string }[]).map(
          (r) => r.detail,
        ),
      ]),
    );
  }
}

const PLAN_PARAMS = { from: '2024-01-01', to: '2024-03-31', province: 'p-ha-noi', date: '2024-03-31' };

const additive = (r: Row): Additive => ({ activities: r.activities, turns: r.turns ?? 0 });
