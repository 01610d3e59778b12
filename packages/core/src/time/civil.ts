/**
 * Civil time in Vietnam. Every figure is counted in Asia/Ho_Chi_Minh, which has kept UTC+7 without daylight
 * saving since 1975, so a fixed offset is exact for every date the union's records cover.
 *
 * A *day* is an integer: days since 1970-01-01 on the Vietnamese calendar. Integers make periods,
 * hashing and typed-array storage cheap and leave no room for time-zone drift.
 */

export const VN_OFFSET_MINUTES = 7 * 60;
const MS_PER_DAY = 86_400_000;
const VN_OFFSET_MS = VN_OFFSET_MINUTES * 60_000;

/** A source of the current time; passed in so that the core never reads the system clock itself. */
export interface Clock {
  now(): Date;
}

/** A clock fixed at one instant, for tests and reproducible runs. */
export const fixedClock = (instant: string | Date): Clock => {
  const at = new Date(instant);
  return { now: () => new Date(at) };
};

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (months and days may overflow, as in Date.UTC).
 * Integer arithmetic (Howard Hinnant's days_from_civil) rather than Date objects: the fold converts
 * every event's date, and allocating a Date each time was a fifth of its cost.
 */
export const dayFromCivil = (year: number, month: number, dayOfMonth: number): number => {
  const m0 = month - 1;
  const y = year + Math.floor(m0 / 12);
  const m = (((m0 % 12) + 12) % 12) + 1;
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5);
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468 + dayOfMonth - 1;
};

/** Year, month (1–12) and day of month of a day number (Hinnant's civil_from_days). */
export const civilFromDay = (day: number): { year: number; month: number; dayOfMonth: number } => {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const dayOfMonth = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, dayOfMonth };
};

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Days since the epoch of an ISO calendar date `YYYY-MM-DD` (no validation of the calendar). */
export const dayFromDate = (date: string): number => {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not an ISO date: ${date}`);
  return dayFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
};

/** The ISO date `YYYY-MM-DD` of a day number. */
export const dateFromDay = (day: number): string => {
  const c = civilFromDay(day);
  return `${pad(c.year, 4)}-${pad(c.month, 2)}-${pad(c.dayOfMonth, 2)}`;
};

/** The Vietnamese calendar day on which an instant falls. */
export const dayOfInstant = (instant: Date | number): number =>
  Math.floor(((typeof instant === 'number' ? instant : instant.getTime()) + VN_OFFSET_MS) / MS_PER_DAY);

/** The instant at which a Vietnamese day starts (00:00 in Hanoi). */
export const startOfDay = (day: number): Date => new Date(day * MS_PER_DAY - VN_OFFSET_MS);

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Whether year-month-day names a real calendar day. */
export const isCalendarDate = (year: number, month: number, dayOfMonth: number): boolean =>
  month >= 1 &&
  month <= 12 &&
  dayOfMonth >= 1 &&
  dayOfMonth <= (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!);

/** ISO weekday, Monday = 1 … Sunday = 7. */
export const isoWeekday = (day: number): number => ((((day + 3) % 7) + 7) % 7) + 1;

/**
 * A point in world time as written on an event: a calendar date (`2024-03-14`, the whole day), an instant
 * with an offset (`2024-03-14T09:30:00+07:00`, `…Z`), or a local date-time without offset, which is read as
 * Vietnamese time.
 */
export interface WorldTime {
  /** Vietnamese calendar day. */
  readonly day: number;
  /** Epoch milliseconds when an instant was given; for a bare date, the start of that day in Vietnam. */
  readonly epochMs: number;
  readonly precision: 'day' | 'instant';
}

const INSTANT_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;

const parsed = new Map<string, WorldTime | null>();
const PARSE_CACHE = 8_192;

/** Parses an `occurredAt`-style value; returns undefined when it is not one. Memoised: logs repeat dates. */
export const parseWorldTime = (value: string): WorldTime | undefined => {
  let t = parsed.get(value);
  if (t === undefined) {
    t = parseUncached(value) ?? null;
    if (parsed.size >= PARSE_CACHE) parsed.clear();
    parsed.set(value, t);
  }
  return t ?? undefined;
};

const parseUncached = (value: string): WorldTime | undefined => {
  const d = DATE_RE.exec(value);
  if (d) {
    const [y, m, dd] = [Number(d[1]), Number(d[2]), Number(d[3])];
    if (!isCalendarDate(y, m, dd)) return undefined;
    const day = dayFromCivil(y, m, dd);
    return { day, epochMs: day * MS_PER_DAY - VN_OFFSET_MS, precision: 'day' };
  }
  const m = INSTANT_RE.exec(value);
  if (!m) return undefined;
  const date = DATE_RE.exec(m[1]!)!;
  if (!isCalendarDate(Number(date[1]), Number(date[2]), Number(date[3]))) return undefined;
  const zone = m[6] ?? '+07:00';
  const ms = Date.parse(
    `${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}${m[5] ? `.${m[5].slice(0, 3)}` : ''}${zone}`,
  );
  if (Number.isNaN(ms)) return undefined;
  return { day: dayOfInstant(ms), epochMs: ms, precision: 'instant' };
};

/** Like {@link parseWorldTime} but throws on a malformed value (for data that was validated on the way in). */
export const worldTime = (value: string): WorldTime => {
  const t = parseWorldTime(value);
  if (!t) throw new RangeError(`not a date or instant: ${value}`);
  return t;
};

/** Writes a local date-time without offset as Vietnamese time (`…+07:00`); leaves other forms unchanged. */
export const normaliseWorldTime = (value: string): string => {
  const m = INSTANT_RE.exec(value);
  return m && !m[6] ? `${value}+07:00` : value;
};
