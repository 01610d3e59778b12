import { civilFromDay, dayFromCivil } from '../time/civil.ts';
import { DaySeries, dayOfKey, keyOf, SLOT_SPACE } from './day-series.ts';
import { ListIndex, packSeries, type SnapshotReader, type SnapshotWriter } from './snapshot-codec.ts';
import type { WordPool } from './word-pool.ts';

/** Months since January 1900: the grain of the month roll-ups and of the distinct-people cells. */
export const monthIndexOfDay = (day: number): number => {
  const c = civilFromDay(day);
  return (c.year - 1900) * 12 + c.month - 1;
};

export const firstDayOfMonthIndex = (m: number): number =>
  dayFromCivil(1900 + Math.floor(m / 12), m - Math.floor(m / 12) * 12 + 1, 1);

/** The last month whose first day {@link dayOfMonthIn} computed: a fold's adds stay in one month for long. */
let memoStartMonth = Number.NaN;
let memoStart = 0;

/** The day of the month (0 for the 1st) of `day`, which lies in month `m`. */
export const dayOfMonthIn = (day: number, m: number): number => {
  if (m !== memoStartMonth) {
    memoStart = firstDayOfMonthIndex(m);
    memoStartMonth = m;
  }
  return day - memoStart;
};

/** The last (day, month) converted: a fold's consecutive adds almost always fall on the same day. */
let memoDay = Number.NaN;
let memoMonth = 0;

/** The (month, slot) key of a (day, slot) key. */
export const monthKeyOf = (key: number): number => {
  const day = dayOfKey(key);
  if (day !== memoDay) {
    memoMonth = monthIndexOfDay(day);
    memoDay = day;
  }
  return keyOf(memoMonth, key - day * SLOT_SPACE);
};

/** Sums days `[fromDay, toDay]` of one month into `out`; returns how many entries matched. */
export type PartialDays = (
  fromDay: number,
  toDay: number,
  mask: Uint8Array | null,
  out: Float64Array,
) => number;

/**
 * A roll-up's (day, slot) series with the same sums by (month, slot) beside it. A period's whole months are
 * read from the month entries and only its partial months from the day entries: a quarter over a province
 * reads about 3 × slots entries instead of 90 × slots, and a stock's "everything up to day t" one entry per
 * month instead of one per day. Both grains change together on every add, so they always agree.
 */
export class RollupSeries {
  readonly days: DaySeries;
  readonly months: DaySeries;

  constructor(days: DaySeries = new DaySeries(), months: DaySeries = new DaySeries()) {
    this.days = days;
    this.months = months;
  }

  /** A roll-up of no entries whose series take their words from `pool`. */
  static empty(pool: WordPool<Float64Array>): RollupSeries {
    return new RollupSeries(new DaySeries(pool), new DaySeries(pool));
  }

  /**
   * Adds (a, b) at the (day, slot) `key` to its month, and to its day unless `days` is false (a roll-up
   * whose partial months are summed from elsewhere: see {@link sumDays}).
   */
  add(key: number, a: number, b: number, days = true): void {
    if (days) this.days.add(key, a, b);
    this.months.add(monthKeyOf(key), a, b);
  }

  /**
   * Sums the entries of days `[fromDay, toDay]` whose slot passes `mask` into `out`; returns how many entries
   * matched (at either grain: more than zero exactly when some day entry in the range matched). Whole months
   * come from the month entries, the days of partial months from `partial` (by default the day entries).
   */
  sumDays(
    fromDay: number,
    toDay: number,
    mask: Uint8Array | null,
    out: Float64Array,
    partial?: PartialDays,
  ): number {
    const first = monthIndexOfDay(fromDay);
    const last = monthIndexOfDay(toDay);
    const wholeFrom = firstDayOfMonthIndex(first) === fromDay ? first : first + 1;
    const wholeTo = firstDayOfMonthIndex(last + 1) - 1 === toDay ? last : last - 1;
    if (wholeFrom > wholeTo) return this.#partial(partial, fromDay, toDay, mask, out);
    const wholeFirstDay = firstDayOfMonthIndex(wholeFrom);
    const afterWhole = firstDayOfMonthIndex(wholeTo + 1);
    let matched = 0;
    if (fromDay < wholeFirstDay) matched += this.#partial(partial, fromDay, wholeFirstDay - 1, mask, out);
    matched += this.months.sumRange(keyOf(wholeFrom, 0), keyOf(wholeTo + 1, 0) - 1, mask, out);
    if (afterWhole <= toDay) matched += this.#partial(partial, afterWhole, toDay, mask, out);
    return matched;
  }

  /** Removes the (0, 0) entries of each grain that is half zeros ({@link DaySeries.compactIfSparse}). */
  dropZeros(): void {
    this.days.compactIfSparse();
    this.months.compactIfSparse();
  }

  /** Entries at both grains, for memory accounting. */
  get length(): number {
    return this.days.length + this.months.length;
  }

  /** Bytes held at both grains, for memory accounting. */
  get byteLength(): number {
    return this.days.byteLength + this.months.byteLength;
  }

  /** Days of one partial month: from `partial` when given, else from the day entries. */
  #partial(
    partial: PartialDays | undefined,
    fromDay: number,
    toDay: number,
    mask: Uint8Array | null,
    out: Float64Array,
  ): number {
    if (partial !== undefined) return partial(fromDay, toDay, mask, out);
    return this.days.sumRange(keyOf(fromDay, 0), keyOf(toDay + 1, 0) - 1, mask, out);
  }
}

/** A series as {@link packSeries} takes it. */
export const seriesOf = (owner: number, s: DaySeries) => ({ owner, data: s.toData(), stride: s.stride });

/**
 * Packs roll-ups kept by owner (a node's index; holes for nodes without one) for a checkpoint, as two packed
 * series, days and months, with the same owners in order.
 */
export const packRollups = (w: SnapshotWriter, byOwner: readonly (RollupSeries | undefined)[]) => {
  const owners = byOwner.flatMap((s, owner) => (s ? [owner] : []));
  return {
    days: packSeries(
      w,
      owners.map((owner) => seriesOf(owner, byOwner[owner]!.days)),
    ),
    months: packSeries(
      w,
      owners.map((owner) => seriesOf(owner, byOwner[owner]!.months)),
    ),
  };
};

/** Unpacks what {@link packRollups} wrote (views, not copies): every roll-up at once, in owner order. */
export const unpackRollups = (
  r: SnapshotReader,
  p: ReturnType<typeof packRollups>,
  each: (owner: number, series: RollupSeries) => void,
) => {
  const pending = new PendingRollups(r, p);
  pending.forEachOwner((owner) => each(owner, pending.take(owner)!));
};

/**
 * Roll-ups {@link packRollups} wrote, each built when its owner is first asked for ({@link take}): a 10M
 * restore would otherwise build 22,000 of them (44,000 series, each scanned for its zero entries). The
 * two grains are checked at once to list the same owners.
 */
export class PendingRollups {
  readonly #days: ListIndex<Float64Array>;
  readonly #months: ListIndex<Float64Array>;
  /** Where roll-ups taken from now on grow (see {@link ActivityCube}'s repack). */
  pool: WordPool<Float64Array> | null;

  /** `pool`: where the roll-ups' series grow once taken (see {@link DaySeries.fromData}). */
  constructor(
    r: SnapshotReader,
    p: ReturnType<typeof packRollups>,
    pool: WordPool<Float64Array> | null = null,
  ) {
    this.pool = pool;
    this.#days = ListIndex.series(r, p.days);
    this.#months = ListIndex.series(r, p.months);
    if (this.#days.size !== this.#months.size)
      throw new RangeError(
        `PendingRollups: ${this.#days.size} owners have days, ${this.#months.size} months`,
      );
    this.#days.forEachOwner((owner) => {
      if (!this.#months.has(owner)) throw new RangeError(`PendingRollups: days of ${owner} but no months`);
    });
  }

  /** Whether the owner has a roll-up not taken yet. */
  has(owner: number): boolean {
    return this.#days.has(owner);
  }

  /** The owner's roll-up over the checkpoint's entries (views), once; undefined when it has none (left). */
  take(owner: number): RollupSeries | undefined {
    const grain = (index: ListIndex<Float64Array>) => {
      const width = index.width(owner);
      const at = index.takeAt(owner);
      return at < 0 ? undefined : DaySeries.fromData(index.data, width, this.pool, at, index.taken);
    };
    const days = grain(this.#days);
    const months = grain(this.#months);
    return days && months && new RollupSeries(days, months);
  }

  /**
   * Calls `fn` with each owner that has a roll-up not taken yet, its length in words and in entries (both
   * grains), in owner order.
   */
  forEachOwner(fn: (owner: number, words: number, entries: number) => void): void {
    this.#days.forEachOwner((owner, words, entries) => {
      const months = this.#months.words(owner)!.length;
      fn(owner, words + months, entries + months / this.#months.width(owner));
    });
  }
}
