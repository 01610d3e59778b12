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

/** Days since the epoch of an ISO calendar date `YYYY-MM-DD` (no validation of the calendar beyond Date.UTC). */
export const dayFromDate = (date: string): number => {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not an ISO date: ${date}`);
  return Math.floor(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / MS_PER_DAY);
};

/** The ISO date `YYYY-MM-DD` of a day number. */
export const dateFromDay = (day: number): string => new Date(day * MS_PER_DAY).toISOString().slice(0, 10);

/** The Vietnamese calendar day on which an instant falls. */
export const dayOfInstant = (instant: Date | number): number =>
  Math.floor(((typeof instant === 'number' ? instant : instant.getTime()) + VN_OFFSET_MS) / MS_PER_DAY);

/** The instant at which a Vietnamese day starts (00:00 in Hanoi). */
export const startOfDay = (day: number): Date => new Date(day * MS_PER_DAY - VN_OFFSET_MS);

/** Year, month (1–12) and day of month of a day number. */
export const civilFromDay = (day: number): { year: number; month: number; dayOfMonth: number } => {
  const d = new Date(day * MS_PER_DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, dayOfMonth: d.getUTCDate() };
};

/** Day number of a civil date; months and days overflow as in Date.UTC. */
export const dayFromCivil = (year: number, month: number, dayOfMonth: number): number =>
  Math.floor(Date.UTC(year, month - 1, dayOfMonth) / MS_PER_DAY);

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

/** Parses an `occurredAt`-style value; returns undefined when it is not one. */
export const parseWorldTime = (value: string): WorldTime | undefined => {
  if (DATE_RE.test(value)) {
    const day = dayFromDate(value);
    if (dateFromDay(day) !== value) return undefined;
    return { day, epochMs: startOfDay(day).getTime(), precision: 'day' };
  }
  const m = INSTANT_RE.exec(value);
  if (!m) return undefined;
  const zone = m[6] ?? '+07:00';
  const ms = Date.parse(
    `${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}${m[5] ? `.${m[5].slice(0, 3)}` : ''}${zone}`,
  );
  if (Number.isNaN(ms) || dateFromDay(dayFromDate(m[1]!)) !== m[1]) return undefined;
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
