import { HyperLogLog } from '../measures/hyperloglog.ts';
import { PeopleArena } from '../measures/people-arena.ts';
import {
  PEOPLE_SET_DEFAULT_THRESHOLD,
  PeopleList,
  PeopleSet,
  type PeopleSize,
  type PeopleSource,
} from '../measures/people-set.ts';
import { daysBetween } from '../measures/person-multiset.ts';
import { PersonRegistry } from '../measures/person-registry.ts';
import { dayFromDate } from '../time/civil.ts';
import { AS_IS, AS_WAS, type ViewIndex } from './activity-cube.ts';
import { CellIndex } from './cell-index.ts';
import { DayRegisters, type MonthDays } from './day-registers.ts';
import type { Hierarchy } from './hierarchy.ts';
import { type MonthLog, MonthLogBuilder } from './month-log.ts';
import { MonthTally } from './month-tally.ts';
import { dayOfMonthIn, firstDayOfMonthIndex, monthIndexOfDay } from './rollup-series.ts';
import { ListIndex, packMixedIntLists, type SnapshotReader, type SnapshotWriter } from './snapshot-codec.ts';
import { SubtreeMembers } from './subtree-members.ts';
import { WordPool } from './word-pool.ts';

/**
 * A node's cells are keyed by (month, slot) packed into one small integer: V8 hashes small integers far
 * faster than the 53-bit doubles a (node, month, slot) key would need, and this runs per participant.
 */
const SLOTS = 2 ** 18;
const cellKey = (month: number, slot: number) => month * SLOTS + slot;
/** A gathered month log's key: months from 1900 are below 4096 (dates are 1900–2199). */
const monthLogKey = (node: number, view: ViewIndex, month: number) => (node * 4096 + month) * 2 + view;

const wholeOption = (name: string, value: number): number => {
  if (!(Number.isInteger(value) && value >= 0)) {
    throw new RangeError(`${name} must be a whole number, got ${value}`);
  }
  return value;
};

/** Both views, for loops over them in the fold (one array, not one a participation). */
const VIEWS = [AS_WAS, AS_IS] as const;
/**
 * The two grids of cells, a node's descendants' people in each view (a unit's own people are read from its
 * participation log), and, in a {@link CellPart}, a unit's own people.
 */
const OWN = 0;
const WAS = 1;
const IS = 2;
type GridIndex = typeof WAS | typeof IS;
/**
 * What a descendants' cell is the union of: a cell, with where it lies, or a unit's own people of the
 * (month, slot) — `g` OWN and no cell — read from its log.
 */
interface CellPart {
  readonly g: GridIndex | typeof OWN;
  readonly node: number;
  readonly cell: number;
}
/** In the stale list, a month sketch of a view: MONTH + view, keyed by the month alone. */
const MONTH = 3;
/** In the stale list, an exact cell whose members' days are loose: DAYS + its grid, keyed as the grid is. */
const DAYS = 5;
/**
 * In the stale list, a subtree month of a view with a sketch cell, whose days inside the month only the
 * participation logs can tell: GATHER + view, keyed by the month. The refresh gathers its month log ahead
 * of the first read (see {@link PeopleCube.refreshStale}).
 */
const GATHER = 8;
/**
 * An estimate of the people in some days past this many times a set's exact threshold is read as a sketch
 * without looking further: at the default precision (1.6% error) 25% is fifteen standard errors.
 */
const CERTAINLY_OVER = 1.25;
/** The share of the cells' arena's words in use that must be free before an idle refresh compacts it. */
const COMPACT_SHARE = 1 / 8;
/** Cells the idle refresh packs between two asks of whether to stop. */
const PACK_STEP = 64;
/** Person indices are below this: a (slot, person) pair is `slot × PERSON_SPACE + person`, exact in a double. */
const PERSON_SPACE = 2 ** 31;
/** A person seen in a run of {@link PeopleCube}'s netting, with nothing netted yet (0 means not seen). */
const NET_ZERO = 2 ** 30;

export interface PeopleCubeOptions {
  /** Distinct people a cell keeps exactly before it becomes a sketch (default 4096). */
  readonly threshold?: number;
  /**
   * People past which a subtree's month of every kind and channel is read from its all-kinds sketch: the
   * node's own people of the month plus its descendants' cells' exact members, summed over kinds and
   * channels (default twice the cells' exact threshold). See {@link PeopleCube}.
   */
  readonly monthSketchAt?: number;
  /**
   * Units with participations under a node past which its days inside a month are read from the month's
   * participations gathered by day and slot (see {@link PeopleCube}) rather than from each unit's log
   * (default 64).
   */
  readonly monthLogFrom?: number;
  /**
   * Participations the gathered months may hold between them before the least recently read goes (default
   * 8Mi: 32 MB at 4 bytes each). The idle refresh gathers the most recent months first, the likeliest to be
   * asked; a month read after that is gathered on its first read (3–30 ms for a province at 10M).
   */
  readonly monthLogBudget?: number;
  /**
   * Free words in the cells' arena past which an idle refresh compacts it, when they are also an eighth of
   * the words in use (default 2^20: 4 MiB; a small engine's few free blocks are not worth a pass); and
   * likewise free words in the participation logs' pool past which it moves them into a new one.
   */
  readonly compactFrom?: number;
  /**
   * The newest months with people whose cells the idle refresh leaves as open tables (default 2: activity is
   * reported days to weeks after it happens, so last month's cells still take new members); older months'
   * are packed, and an as-is cell that holds what its node's as-was cell holds shares its block (see
   * {@link PeopleArena.pack}, {@link PeopleArena.share}).
   */
  readonly openMonths?: number;
}

/**
 * Words per participation in a wide {@link ParticipationLog}: the day, the person, and the slot doubled plus 1
 * for a removal (a participation taken back) — its *entry*.
 */
const WIDE_WORDS = 3;
/**
 * Words per participation in a narrow one: the day and the entry in one word, `(day - NARROW_DAY0) ×
 * ENTRY_SPACE + entry` — which sorts as the day does — then the person. 8 bytes, not 12: at 10M the logs held
 * 12 million participations in 178 MB. A log is narrow while its days lie in 1900–2258 and its slots are
 * below 8,192 — slots number the kinds × channels in the order the engine first met them, so a unit that
 * records one met after the 8,192nd has its log widened, for good.
 */
const NARROW_WORDS = 2;
const ENTRY_BITS = 14;
const ENTRY_SPACE = 2 ** ENTRY_BITS;
const NARROW_DAY0 = dayFromDate('1900-01-01');
const NARROW_DAYS = 2 ** 17;
/**
 * The layout code of a compact log, where a log starts: 6 bytes a participation, in two runs of its block —
 * each day as 16 bits (days since 1900-01-01, two to a word, the first in the low half), then each
 * participation's `person × 2^8 + entry` in a word. A log stays compact while its days lie in 1900–2079,
 * its slots are below 128 and its people below 2^24 (16.7 million); past that it is made narrow, for good.
 * At 10M the logs held 12 million participations in 105 MB at 8 bytes each. In a checkpoint a compact log is
 * a list of one-word records: its days' words and its people's, `ceil(n / 2) + n` words for n participations.
 */
const COMPACT = 1;
const COMPACT_DAYS = 2 ** 16;
const COMPACT_ENTRIES = 2 ** 8;
const COMPACT_PEOPLE = 2 ** 24;
/** The words of a compact block's first run, the days of n participations (two to a word). */
const dayWords = (n: number): number => (n + 1) >>> 1;
/** The words of a compact block of n participations. */
const compactWords = (n: number): number => dayWords(n) + n;
/** Participation i's 16-bit day in a compact block's days from word `base` of `d` (low half first). */
const day16At = (d: Int32Array, base: number, i: number): number =>
  (d[base + (i >>> 1)]! >>> ((i & 1) << 4)) & 0xffff;
/** Writes participation i's 16-bit day (below 2^16) into a compact block's days from word `base` of `d`. */
const setDay16 = (d: Int32Array, base: number, i: number, day16: number): void => {
  const at = base + (i >>> 1);
  const shift = (i & 1) << 4;
  d[at] = (d[at]! & ~(0xffff << shift)) | (day16 << shift);
};
/** The participations a compact block of `words` words has room for (the most n of {@link compactWords} ≤ words). */
const compactRoom = (words: number): number => ((2 * words) / 3) | 0;
type LogWidth = typeof COMPACT | typeof NARROW_WORDS | typeof WIDE_WORDS;
/** A log entry's slot, from its entry. */
const slotOfEntry = (entry: number): number => entry >>> 1;
/** A log entry's +1 (a participation) or -1 (one taken back), from its entry. */
const deltaOfEntry = (entry: number): number => 1 - 2 * (entry & 1);
/** How many participations a log's `words` hold in layout `width` (a checkpoint's list). */
const recordsOf = (words: number, width: LogWidth): number =>
  width === COMPACT ? compactRoom(words) : (words / width) | 0;
/** The words of `n` participations in layout `width`. */
const wordsOf = (n: number, width: LogWidth): number => (width === COMPACT ? compactWords(n) : n * width);

/**
 * One unit's participations, kept in day order (arrival order within a day): compact ({@link COMPACT}),
 * {@link NARROW_WORDS} or {@link WIDE_WORDS} words each. Read through {@link dayAt}, {@link personAt} and
 * {@link entryAt}.
 */
class ParticipationLog {
  /** Where the words come from and go back to as the log grows (see {@link WordPool}). */
  #pool: WordPool<Int32Array>;
  /**
   * The participations, from word {@link base} of `data` — a pool's chunk, or a checkpoint's words — in
   * room for `#cap` words: the array and an offset, not a view of the block (a view is an object of about
   * 100 bytes, and at 10M there were 116,000 logs).
   */
  data: Int32Array;
  base = 0;
  #cap: number;
  /** Participations the block has room for. */
  #room: number;
  /** A compact log's first word of people (its days' words come first); unused otherwise. */
  #people = 0;
  /** The layout: {@link COMPACT}, {@link NARROW_WORDS} or {@link WIDE_WORDS}. */
  width: LogWidth = COMPACT;
  length = 0;

  /**
   * An empty log, or one over `length` participations in layout `width` of a checkpoint's `data` from word
   * `base`.
   */
  constructor(
    pool: WordPool<Int32Array>,
    data?: Int32Array,
    base = 0,
    length = 0,
    width: LogWidth = COMPACT,
  ) {
    this.#pool = pool;
    if (data === undefined) {
      this.base = pool.carve(compactWords(4));
      this.data = pool.carved!;
      this.#cap = WordPool.sizeOf(compactWords(4));
      this.#room = compactRoom(this.#cap);
    } else {
      this.data = data;
      this.base = base | 0;
      this.#cap = wordsOf(length, width);
      this.#room = length;
    }
    this.width = width;
    this.length = length;
    this.#people = (this.base + dayWords(this.#room)) | 0;
  }

  push(day: number, slot: number, person: number, delta: 1 | -1) {
    const entry = slot * 2 + (delta < 0 ? 1 : 0);
    if (this.width === COMPACT && !fitsCompact(day, entry, person)) this.#relayout(NARROW_WORDS, this.#room);
    if (this.width === NARROW_WORDS && !fitsNarrow(day, entry)) this.#relayout(WIDE_WORDS, this.#room);
    // To the pool's next size, a fifth larger at most: doubled, the logs were 277 MB for 192 MB of entries
    // at 10M.
    if (this.length === this.#room) this.#relayout(this.width, this.length + 1);
    // Activity mostly arrives in day order; a backdated one, or a correction of an old one, is inserted
    // after the entries of its day, so a range of days is one binary search and a contiguous run.
    let i = this.length;
    if (i > 0 && this.dayAt(i - 1) > day) {
      i = this.firstAfter(day);
      this.#shiftUp(i);
    }
    this.#write(i, day, entry, person);
    this.length += 1;
  }

  /** Takes its words from `pool` from now on, moving them there if they are a block of its pool (see {@link DaySeries.moveTo}). */
  moveTo(pool: WordPool<Int32Array>): void {
    const owned = this.#pool.owns(this.data);
    this.#pool = pool;
    // The old pool is let go: it is not given the block back.
    if (owned) this.#relayout(this.width, this.length, null);
  }

  /** The participations' words, as a checkpoint keeps them (see {@link COMPACT}): a view, or a copy. */
  words(): Int32Array {
    const n = this.length;
    const end = this.base + wordsOf(n, this.width);
    if (this.width !== COMPACT || this.#people === this.base + dayWords(n))
      return this.data.subarray(this.base, end);
    const words = new Int32Array(compactWords(n));
    words.set(this.data.subarray(this.base, this.base + dayWords(n)));
    words.set(this.data.subarray(this.#people, this.#people + n), dayWords(n));
    return words;
  }

  /** Bytes held, room included, for memory accounting. */
  get byteLength(): number {
    return this.#cap * 4;
  }

  /** Participation i's day. */
  dayAt(i: number): number {
    const w = this.width;
    return w === COMPACT
      ? day16At(this.data, this.base, i) + NARROW_DAY0
      : w === NARROW_WORDS
        ? (this.data[this.base + i * NARROW_WORDS]! >> ENTRY_BITS) + NARROW_DAY0
        : this.data[this.base + i * WIDE_WORDS]!;
  }

  /** Participation i's person. */
  personAt(i: number): number {
    return this.width === COMPACT
      ? this.data[this.#people + i]! >>> 8
      : this.data[this.base + i * this.width + 1]!;
  }

  /** Participation i's entry: its slot doubled, plus 1 for a removal (see {@link slotOfEntry}, {@link deltaOfEntry}). */
  entryAt(i: number): number {
    const w = this.width;
    return w === COMPACT
      ? this.data[this.#people + i]! & (COMPACT_ENTRIES - 1)
      : w === NARROW_WORDS
        ? this.data[this.base + i * NARROW_WORDS]! & (ENTRY_SPACE - 1)
        : this.data[this.base + i * WIDE_WORDS + 2]!;
  }

  /** The index of the first entry whose day is at or after `day` (`length` when none). */
  firstFrom(day: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.dayAt(mid) < day) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index of the first entry whose day is after `day` (`length` when none). */
  firstAfter(day: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.dayAt(mid) <= day) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Writes participation i (within the room) in the log's layout. */
  #write(i: number, day: number, entry: number, person: number): void {
    const d = this.data;
    const w = this.width;
    if (w === COMPACT) {
      setDay16(d, this.base, i, day - NARROW_DAY0);
      d[this.#people + i] = (person << 8) | entry;
    } else if (w === NARROW_WORDS) {
      const at = this.base + i * NARROW_WORDS;
      d[at] = (day - NARROW_DAY0) * ENTRY_SPACE + entry;
      d[at + 1] = person;
    } else {
      const at = this.base + i * WIDE_WORDS;
      d[at] = day;
      d[at + 1] = person;
      d[at + 2] = entry;
    }
  }

  /** Moves participations i.. one place up (the room holds one more), leaving i to be written. */
  #shiftUp(i: number): void {
    const d = this.data;
    const n = this.length;
    if (this.width !== COMPACT) {
      const w = this.width;
      d.copyWithin(this.base + (i + 1) * w, this.base + i * w, this.base + n * w);
      return;
    }
    d.copyWithin(this.#people + i + 1, this.#people + i, this.#people + n);
    // The days are 16 bits each: moved one at a time, from the last.
    for (let j = n; j > i; j--) setDay16(d, this.base, j, day16At(d, this.base, j - 1));
  }

  /**
   * Moves the participations to a block of the log's pool with room for at least `room` of them in layout
   * `width`, giving the old block back to `from` (null: a pool being let go).
   */
  #relayout(width: LogWidth, room: number, from: WordPool<Int32Array> | null = this.#pool): void {
    const words = wordsOf(Math.max(4, room), width);
    const at = this.#pool.carve(words);
    const next = this.#pool.carved!;
    const cap = WordPool.sizeOf(words);
    const n = this.length;
    const oldData = this.data;
    const oldBase = this.base;
    const oldCap = this.#cap;
    const oldPeople = this.#people;
    const nextRoom = width === COMPACT ? compactRoom(cap) : (cap / width) | 0;
    const nextPeople = (at + dayWords(nextRoom)) | 0;
    if (width === this.width && width !== COMPACT) {
      next.set(oldData.subarray(oldBase, oldBase + n * width), at);
    } else if (width === this.width) {
      // Compact to compact: the days' words, then the people where the new room puts them.
      next.set(oldData.subarray(oldBase, oldBase + dayWords(n)), at);
      next.set(oldData.subarray(oldPeople, oldPeople + n), nextPeople);
    } else {
      const days = new Int32Array(n);
      const entries = new Int32Array(n);
      const people = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        days[i] = this.dayAt(i);
        entries[i] = this.entryAt(i);
        people[i] = this.personAt(i);
      }
      this.data = next;
      this.base = at;
      this.width = width;
      this.#people = nextPeople;
      for (let i = 0; i < n; i++) this.#write(i, days[i]!, entries[i]!, people[i]!);
    }
    from?.release(oldData, oldBase, oldCap);
    this.data = next;
    this.base = at;
    this.#cap = cap;
    this.width = width;
    this.#room = nextRoom;
    this.#people = nextPeople;
  }
}

/** Whether a participation's day and entry fit a narrow log's one word. */
const fitsNarrow = (day: number, entry: number): boolean =>
  day >= NARROW_DAY0 && day < NARROW_DAY0 + NARROW_DAYS && entry < ENTRY_SPACE;

/** Whether a participation fits a compact log (see {@link COMPACT}). */
const fitsCompact = (day: number, entry: number, person: number): boolean =>
  day >= NARROW_DAY0 &&
  day < NARROW_DAY0 + COMPACT_DAYS &&
  entry < COMPACT_ENTRIES &&
  person < COMPACT_PEOPLE;

/** An empty list of cells, shared. */
const NO_CELLS = new Int32Array(0);

/** A pool for participation logs' words (see {@link WordPool}): chunks of 4 MiB. */
const logPool = () => new WordPool((n) => new Int32Array(n), 2 ** 20);

/**
 * Units' participation logs. After a restore each is built from the checkpoint's words the first time its
 * unit is asked for: 116,000 logs at 10M were a tenth of a restore, and a query reads few of them.
 */
class ParticipationLogs {
  /** By unit (an array, not a Map: an entry of a Map of 116,000 at 10M cost about 35 bytes more). */
  readonly #built: (ParticipationLog | undefined)[] = [];
  #builtCount = 0;
  /** Every log's words (see {@link WordPool}); a new one at each restore, so the old logs' chunks can go. */
  #pool = logPool();
  /** Restored logs not built yet. */
  #restored: ListIndex<Int32Array> | undefined;

  get(u: number): ParticipationLog | undefined {
    return this.#built[u] ?? this.#build(u);
  }

  has(u: number): boolean {
    return this.#built[u] !== undefined || (this.#restored?.has(u) ?? false);
  }

  /** Starts unit u's log (one it has none of). */
  start(u: number): ParticipationLog {
    if (this.has(u)) throw new Error(`unit ${u} has a participation log already`);
    const log = new ParticipationLog(this.#pool);
    this.#keep(u, log);
    return log;
  }

  /**
   * Moves the built logs into a new pool when enough of the current one is blocks logs outgrew (see
   * {@link WordPool.wantsRepack}); returns whether it did.
   */
  repack(fromBytes: number): boolean {
    if (!this.#pool.wantsRepack(fromBytes)) return false;
    const pool = logPool();
    for (const log of this.#built) log?.moveTo(pool);
    this.#pool = pool;
    return true;
  }

  /** The chunks the built logs' words are carved from (see {@link WordPool.footprint}). */
  get pool() {
    return this.#pool.footprint();
  }

  get size(): number {
    return this.#builtCount + (this.#restored?.size ?? 0);
  }

  /** Every log with its unit, in unit order (builds those a restore has not built yet). */
  *entries(): IterableIterator<[number, ParticipationLog]> {
    this.#restored?.forEachOwner((u) => this.#build(u));
    for (let u = 0; u < this.#built.length; u++) {
      const log = this.#built[u];
      if (log !== undefined) yield [u, log];
    }
  }

  *values(): IterableIterator<ParticipationLog> {
    for (const [, log] of this.entries()) yield log;
  }

  #keep(u: number, log: ParticipationLog): void {
    // Grown a unit at a time while units arrive in order; a gap is filled so the array stays packed.
    while (this.#built.length < u) this.#built.push(undefined);
    this.#built[u] = log;
    this.#builtCount++;
  }

  /**
   * Takes a checkpoint's logs, checking that each is in day order (reads binary-search the days): a narrow
   * log's first words, whose days are their high part, never fall by a whole day; a compact log's days,
   * 16 bits each, never fall, and its words are whole (see {@link COMPACT}).
   */
  restore(index: ListIndex<Int32Array>): void {
    index.scan((u, words, start, end) => {
      const w = index.width(u);
      if (w === COMPACT) {
        const n = compactRoom(end - start);
        if (compactWords(n) !== end - start)
          throw new RangeError(
            `participation log of unit ${u} has ${end - start} words, not a compact log's`,
          );
        let previous = 0;
        for (let i = 0; i < n; i++) {
          const day = day16At(words, start, i);
          if (day < previous) throw new RangeError(`participation log of unit ${u} is not in day order`);
          previous = day;
        }
        return;
      }
      if (w !== NARROW_WORDS && w !== WIDE_WORDS)
        throw new RangeError(`participation log of unit ${u} has entries of ${w} words`);
      const shift = w === NARROW_WORDS ? ENTRY_BITS : 0;
      for (let i = start + w; i < end; i += w) {
        if (words[i]! >> shift < words[i - w]! >> shift)
          throw new RangeError(`participation log of unit ${u} is not in day order`);
      }
      if (w === NARROW_WORDS && start < end && words[start]! < 0)
        throw new RangeError(`participation log of unit ${u} starts before 1900`);
    });
    this.#built.length = 0;
    this.#builtCount = 0;
    this.#pool = logPool();
    this.#restored = index;
  }

  #build(u: number): ParticipationLog | undefined {
    const restored = this.#restored;
    const at = restored === undefined ? -1 : restored.takeAt(u);
    if (at < 0) return undefined;
    const width = restored!.width(u) as LogWidth;
    const log = new ParticipationLog(
      this.#pool,
      restored!.data,
      at,
      recordsOf(restored!.taken, width),
      width,
    );
    this.#keep(u, log);
    return log;
  }
}

/**
 * Distinct people (người), kept apart from turns (lượt): exact multisets per (node, month, kind × channel) of
 * a node's descendants' people in both views, unioned at query time with the node's own people, never
 * summed. A unit's own people are read from its participation log (a binary search and a run of the
 * month's days, netted per person): kept as cells too they were 12 million members at 10M, a second copy
 * of the logs. A roll-up that grows past the exact threshold becomes a HyperLogLog sketch; a removal from a
 * sketch (a correction) marks it stale and it is rebuilt from the units' participation logs when next
 * read.
 *
 * In the as-is view people follow the primary successor of a split unit whole: people cannot be divided.
 *
 * A subtree's people in a whole month of every kind — what a province's count over a quarter unions — are
 * read from one sketch of the month when its own people and its cells' exact members are more than
 * `monthSketchAt` between them, or any cell is a sketch: the answer is then an estimate either way (or
 * counts a set that large), and one 4 KiB merge replaces a pass over tens of thousands of members. The
 * sketch says who, not
 * how often: it takes a person when they join one of the month's cells or take part in the node's own
 * activity, goes stale when one leaves or a participation of the node's own is taken back, and is rebuilt
 * from the node's log and its cells when read stale. The fold makes it once a node's descendants' cells of
 * the month hold more than `monthSketchAt` members between them (counted per node with descendants, not
 * per unit: a unit's own months are many and small), or one of them becomes a sketch; a read makes any it
 * needs and finds missing. Once a read takes one month from its sketch, it takes every whole month from theirs:
 * the same registers hashing their exact members would give, without the pass over them.
 */
export class PeopleCube {
  #registry = new PersonRegistry();
  /** Every cell's people, in typed arrays; the indexes below map (node, month × slot) to a cell. */
  readonly #cells: PeopleArena;
  readonly #desc: [CellIndex, CellIndex] = [new CellIndex(), new CellIndex()];
  /**
   * Per view, (node, month): the exact members of the month's descendants' cells, and the sketch of
   * everyone in them and in the node's own activity of the month, when there is one.
   */
  readonly #months: [MonthTally, MonthTally] = [new MonthTally(), new MonthTally()];
  readonly #monthSketchAt: number;
  /** Per view, the day-by-day registers of each month record with a month sketch (see {@link DayRegisters}). */
  readonly #days: [DayRegisters, DayRegisters];
  /** One more than the highest slot with people: the cells of a month are at most this many per grid. */
  #slotCount = 0;
  /**
   * Cells a removal left stale, as (grid, node, key) triples, most recent last: {@link refreshStale} rebuilds
   * them off the query path. A query that meets one first rebuilds it itself, and the entry is then skipped.
   * Month sketches are listed as (MONTH + view, node, month), exact cells whose members' days a removal
   * or a rebuild left loose as (DAYS + grid, node, key), and months to gather ahead as (GATHER + view, node,
   * month).
   */
  #stale: number[] = [];
  /** Scratch for the cells of one month that a read gathers. */
  readonly #parts: number[] = [];
  /** Scratch for the cells of one partial month read from their edge days. */
  readonly #dayParts: number[] = [];
  /** {@link #netRun}'s scratch: a counter per person (0 between runs) and the people a run touched. */
  #net32 = new Int32Array(0);
  #touched = new Int32Array(1024);
  #netCount = 0;
  readonly #logs = new ParticipationLogs();
  /**
   * A subtree's participations in a month, gathered from its units' logs by day and slot, keyed by
   * {@link monthLogKey}, least recently read first: a week inside a month is then a run of each day's
   * groups, not a search in each of thousands of units' logs. Kept in step by {@link add}; dropped when the
   * tree changes; never checkpointed.
   */
  readonly #monthLogs = new Map<number, MonthLog>();
  readonly #gathering = new MonthLogBuilder();
  /** {@link add}'s scratch: the registry indices of an activity's participants, for the gathered month logs. */
  #batch = new Int32Array(64);
  #monthLogEntries = 0;
  readonly #monthLogFrom: number;
  readonly #monthLogBudget: number;
  readonly #compactFrom: number;
  readonly #openMonths: number;
  /**
   * Cells of past months for the idle refresh to pack, each with the cell it may then share a block with (the
   * as-was cell of an as-is one's node and key, else -1), and how far it has come through them.
   */
  #packQueue = NO_CELLS;
  #packAt = 0;
  /** The arena's cells and thaws when the queue was made: a new one is made once either changes. */
  #packedCells = -1;
  #packedThaws = -1;
  /**
   * For as-is reads and rebuilds: the node and the units with participations under it in today's tree. Kept while
   * neither the tree nor the set of units with participations changes (a stale province's months and kinds
   * share one list); cleared by a re-attribution and by a unit's first participation.
   */
  readonly #underToday = new Map<number, readonly number[]>();
  /**
   * Units whose participations may count under a node in either view: itself and everything ever below it
   * with a participation log.
   */
  readonly #contributors: SubtreeMembers;
  readonly #h: Hierarchy;

  constructor(hierarchy: Hierarchy, options: PeopleCubeOptions = {}) {
    this.#h = hierarchy;
    this.#contributors = new SubtreeMembers(
      hierarchy,
      (u) => this.#logs.has(u),
      () => this.#logs.size,
    );
    const threshold = options.threshold ?? PEOPLE_SET_DEFAULT_THRESHOLD;
    this.#cells = new PeopleArena(() => this.#registry.hashes, { threshold });
    this.#monthSketchAt = wholeOption('monthSketchAt', options.monthSketchAt ?? 2 * threshold);
    this.#monthLogFrom = wholeOption('monthLogFrom', options.monthLogFrom ?? 64);
    this.#monthLogBudget = wholeOption('monthLogBudget', options.monthLogBudget ?? 2 ** 23);
    this.#compactFrom = wholeOption('compactFrom', options.compactFrom ?? 2 ** 20);
    this.#openMonths = wholeOption('openMonths', options.openMonths ?? 2);
    this.#days = [new DayRegisters(this.#cells.precision), new DayRegisters(this.#cells.precision)];
  }

  /** The people seen, interned to the indices the cells hold. */
  get registry(): PersonRegistry {
    return this.#registry;
  }

  /** Adds (sign 1) or removes (sign -1) participations of `persons` in unit u's activity of `slot` on `day`. */
  add(u: number, day: number, slot: number, persons: readonly string[], sign: 1 | -1): void {
    const month = monthIndexOfDay(day);
    let log = this.#logs.get(u);
    if (!log) {
      log = this.#logs.start(u);
      this.#underToday.clear();
    }
    const was = this.#h.chainAt(u, day);
    const is = this.#asIsNodes(u);
    const key = cellKey(month, slot);
    if (slot >= this.#slotCount) this.#slotCount = slot + 1;
    // The gathered month logs these participations count in, found once for all of them.
    const gathered = this.#monthLogs.size > 0 ? this.#monthLogsOf(u, was, is, month) : [];
    if (this.#batch.length < persons.length) this.#batch = new Int32Array(persons.length);
    const batch = this.#batch;
    for (let i = 0; i < persons.length; i++) {
      const p = this.registry.intern(persons[i]!);
      batch[i] = p;
      log.push(day, slot, p, sign);
      this.#touchOwn(u, day, month, p, sign);
      for (const n of was) this.#touch(WAS, n, day, key, p, sign);
      for (const n of is) this.#touch(IS, n, day, key, p, sign);
    }
    if (gathered.length === 0) return;
    const dayOfMonth = day - firstDayOfMonthIndex(month);
    for (const m of gathered) {
      if (sign === 1) m.addAll(dayOfMonth, slot, batch, persons.length);
      else for (let i = 0; i < persons.length; i++) m.add(dayOfMonth, slot, batch[i]!, -1);
    }
    this.#monthLogEntries += gathered.length * persons.length * sign;
  }

  /** Re-attributes the participations of `units` around a change of the tree (as-was from `fromDay`). */
  reattribute(units: readonly number[], fromDay: number, mutate: () => void): void {
    const affected = units.filter((u) => this.#logs.has(u));
    const before = affected.map((u) => this.#asIsNodes(u));
    this.#rollWas(affected, fromDay, -1);
    mutate();
    this.#underToday.clear();
    this.#dropMonthLogs();
    this.#rollWas(affected, fromDay, 1);
    affected.forEach((u, i) => {
      const old = new Set(before[i]);
      const now = new Set(this.#asIsNodes(u));
      const removed = [...old].filter((n) => !now.has(n));
      const added = [...now].filter((n) => !old.has(n));
      if (removed.length === 0 && added.length === 0) return;
      for (const [day, slot, p, net] of this.#net(u, Number.NEGATIVE_INFINITY)) {
        const month = monthIndexOfDay(day);
        for (let k = 0; k < net; k++) {
          for (const n of removed) this.#touch(IS, n, day, cellKey(month, slot), p, -1);
          for (const n of added) this.#touch(IS, n, day, cellKey(month, slot), p, 1);
        }
      }
    });
  }

  /**
   * Distinct people over the day ranges (inclusive, non-overlapping) for the slots in `mask` (null: all): in a
   * node's subtree, or only its own records. Whole months come from the roll-ups; the days of partial months
   * from participation logs.
   */
  distinct(
    node: number,
    view: ViewIndex,
    ranges: readonly (readonly [number, number])[],
    mask: Uint8Array | null,
    slotCount: number,
    ownOnly = false,
  ): PeopleSize {
    return this.union(this.collect(node, view, ranges, mask, slotCount, ownOnly));
  }

  /** The distinct people across sets gathered by {@link collect} (possibly from several nodes). */
  union(sets: readonly PeopleSource[]): PeopleSize {
    return PeopleSet.union(sets, this.registry);
  }

  /** The sets whose union is the distinct people of {@link distinct}'s arguments. */
  collect(
    node: number,
    view: ViewIndex,
    ranges: readonly (readonly [number, number])[],
    mask: Uint8Array | null,
    slotCount: number,
    ownOnly = false,
  ): PeopleSource[] {
    const sets: PeopleSource[] = [];
    const parts = this.#parts;
    const partials: [number, number][] = [];
    // Every kind with people, in the whole subtree: a month may be one sketch.
    let allKinds = !ownOnly;
    for (let s = 0; allKinds && mask !== null && s < this.#slotCount; s++) allKinds = mask[s] === 1;
    // Whole months read cell by cell: each month's first entry in `parts`, and the month, in `months`,
    // with the node's own people of it, from its log, in `owns` (null when none).
    parts.length = 0;
    const months: number[] = [];
    const owns: (PeopleList | null)[] = [];
    let sketched = false;
    for (const [fromDay, toDay] of ranges) {
      for (let m = monthIndexOfDay(fromDay); m <= monthIndexOfDay(toDay); m++) {
        const start = firstDayOfMonthIndex(m);
        const end = firstDayOfMonthIndex(m + 1) - 1;
        if (start < fromDay || end > toDay) {
          partials.push([Math.max(start, fromDay), Math.min(end, toDay)]);
          continue;
        }
        // The month's cells, each rebuilt first if stale (a void may have brought a sketch back under the
        // threshold), and their exact members between them (any sketch counts as too many).
        const first = parts.length;
        const own = this.#ownPeople(node, start, end, mask, slotCount);
        let members = own === null ? 0 : own.size().value;
        for (let s = 0; !ownOnly && s < slotCount; s++) {
          if (mask !== null && mask[s] !== 1) continue;
          const desc = this.#readDesc(node, view, m, s);
          if (desc >= 0) members = this.#gather(desc, members);
        }
        if (allKinds && members > this.#monthSketchAt) {
          parts.length = first;
          sets.push(this.#cells.source(this.#monthSketch(node, view, m)));
          sketched = true;
        } else if (parts.length > first || own !== null) {
          months.push(m, first);
          owns.push(own);
        }
      }
    }
    // The days at the ends of a large subtree's period, from its large months' day registers: at once when
    // they certainly hold more people than a set keeps exactly, else they wait for the rest of the answer.
    let partialRanges = partials;
    let pending: { sketch: HyperLogLog; ranges: [number, number][] } | undefined;
    if (allKinds && partials.length > 0) {
      const { sketch, rest } = this.#mergeDayRegisters(node, view, partials);
      if (sketch !== undefined) {
        partialRanges = rest;
        if (sketch.estimate() > CERTAINLY_OVER * this.#cells.threshold) {
          sets.push(PeopleSet.ofSketch(sketch, this.#cells.threshold));
          sketched = true;
        } else pending = { sketch, ranges: partials.filter((range) => !rest.includes(range)) };
      }
    }
    for (let i = 0; i < months.length; i += 2) {
      // Once one month is a sketch the answer is an estimate, and each exact member would be hashed into it:
      // every other whole month is read from its own month sketch instead (the same registers, so the same
      // estimate), made once by the first such read and kept up by the fold from then on.
      if (sketched) {
        sets.push(this.#cells.source(this.#monthSketch(node, view, months[i]!, false)));
        continue;
      }
      const own = owns[i / 2];
      if (own) sets.push(own);
      const end = i + 2 < months.length ? months[i + 3]! : parts.length;
      for (let at = months[i + 1]!; at < end; at++) sets.push(this.#cells.source(parts[at]!));
    }
    // A partial month is read from the month's exact cells, which know on which days each member took part;
    // where a cell is a sketch or its days are loose, from the participation logs.
    const rest: [number, number][] = [];
    const fromCellsOrLogs = (ranges: readonly [number, number][]) => {
      for (const range of ranges) {
        if (!this.#fromCellDays(node, view, range, mask, slotCount, ownOnly, sets)) rest.push(range);
      }
    };
    fromCellsOrLogs(partialRanges);
    if (pending !== undefined) {
      const large = this.#certainlyLarge(pending.sketch, sets);
      if (large !== undefined) {
        sets.length = 0;
        sets.push(large);
      } else fromCellsOrLogs(pending.ranges);
    }
    if (rest.length > 0) sets.push(this.#fromParticipationLogs(node, view, rest, mask, ownOnly));
    return sets;
  }

  /**
   * The people of every part gathered so far added to `sketch`, the merged day registers of large months'
   * partial days — when that sketch then certainly holds more than a set keeps exactly: the answer may be an
   * estimate, as any set that large may be, and those days need neither cells nor logs. Undefined otherwise
   * (`sketch` is then spent).
   */
  #certainlyLarge(sketch: HyperLogLog, sets: readonly PeopleSource[]): PeopleSet | undefined {
    PeopleSet.mergeInto(sketch, sets, this.registry);
    if (sketch.estimate() <= CERTAINLY_OVER * this.#cells.threshold) return undefined;
    return PeopleSet.ofSketch(sketch, this.#cells.threshold);
  }

  /**
   * The people of the days of `ranges` (partial months, in day order), from the participation logs of the
   * units that may count under the node, exactly. Each unit's log is in day order: a range is a binary search
   * and a run of its days. Whether a unit counts under the node is asked once a unit as-is, and once a day
   * as-was.
   */
  #fromParticipationLogs(
    node: number,
    view: ViewIndex,
    ranges: readonly [number, number][],
    mask: Uint8Array | null,
    ownOnly: boolean,
  ): PeopleList {
    const units = ownOnly ? [node] : this.#unitsUnder(node, view);
    this.#netBegin();
    if (!ownOnly && units.length > this.#monthLogFrom) {
      // Many units: each range from its month's participations gathered by day and slot.
      for (const [from, to] of ranges) {
        const month = monthIndexOfDay(from);
        const first = firstDayOfMonthIndex(month);
        this.#netMonth(this.#monthLog(node, view, month, units), from - first, to - first, mask);
      }
      return this.#netList();
    }
    let unit = node;
    let lastDay = Number.NaN;
    let under = true;
    const keep = (day: number, slot: number) => {
      if (mask !== null && mask[slot] !== 1) return false;
      if (ownOnly || view === AS_IS) return true;
      if (day !== lastDay) {
        lastDay = day;
        under = this.#countsUnder(unit, node, view, day);
      }
      return under;
    };
    // Partial months next to each other (the end of one month, the start of the next) are one run of days.
    const runs: [number, number][] = [];
    for (const [from, to] of [...ranges].sort((x, y) => x[0] - y[0])) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] + 1 === from) last[1] = to;
      else runs.push([from, to]);
    }
    for (const u of units) {
      const log = this.#logs.get(u);
      if (log === undefined) continue;
      unit = u;
      for (const [from, to] of runs) {
        // Most units of a large subtree have nothing on a given week: one binary search tells.
        const first = log.firstFrom(from);
        if (first >= log.length || log.dayAt(first) > to) continue;
        lastDay = Number.NaN;
        this.#netRun(log, first, to, keep);
      }
    }
    return this.#netList();
  }

  /**
   * Unit u's own people on days `from` to `to` in the slots below `slotCount` of `mask` (all when null),
   * from its log: a binary search and a run of those days, netted per person. Null when there are none.
   */
  #ownPeople(
    u: number,
    from: number,
    to: number,
    mask: Uint8Array | null,
    slotCount: number,
  ): PeopleList | null {
    const log = this.#logs.get(u);
    if (log === undefined) return null;
    const first = log.firstFrom(from);
    if (first >= log.length || log.dayAt(first) > to) return null;
    this.#netBegin();
    this.#netRun(log, first, to, (_, slot) => slot < slotCount && (mask === null || mask[slot] === 1));
    const list = this.#netList();
    return list.size().value > 0 ? list : null;
  }

  /** The people {@link #netRun} netted to some participations since {@link #netBegin}, as a list. */
  #netList(): PeopleList {
    const keys = new Uint32Array(this.#netCount);
    let n = 0;
    this.#netEnd((p) => {
      keys[n++] = p + 1;
    });
    return new PeopleList(keys.subarray(0, n), () => this.registry.hashes, this.#cells.precision);
  }

  /**
   * Adds to `sets` the people of a partial month's days from its cells, when every cell the read needs is
   * exact with trusted days (see {@link PeopleArena.hasDays}): the members who took part on one of those
   * days. False, adding nothing, when a cell is a sketch or its days are loose: the participation logs decide.
   */
  #fromCellDays(
    node: number,
    view: ViewIndex,
    [from, to]: readonly [number, number],
    mask: Uint8Array | null,
    slotCount: number,
    ownOnly: boolean,
    sets: PeopleSource[],
  ): boolean {
    const month = monthIndexOfDay(from);
    const start = firstDayOfMonthIndex(month);
    const parts = this.#dayParts;
    parts.length = 0;
    const grid = view === AS_WAS ? WAS : IS;
    for (let s = 0; !ownOnly && s < slotCount; s++) {
      if (mask !== null && mask[s] !== 1) continue;
      const desc = this.#readDesc(node, view, month, s);
      if (desc >= 0) {
        if (!this.#withDays(grid, node, month, s, desc)) return false;
        parts.push(desc);
      }
    }
    const days = daysBetween(from - start, to - start);
    for (const cell of parts) sets.push(this.#cells.source(cell, days));
    const own = this.#ownPeople(node, from, to, mask, slotCount);
    if (own !== null) sets.push(own);
    return true;
  }

  /**
   * Merges into one sketch (undefined when none has them) the day registers of the ranges (partial months)
   * whose months have them — the registers their participations would make — and returns it with the ranges
   * whose months have none.
   */
  #mergeDayRegisters(
    node: number,
    view: ViewIndex,
    ranges: readonly [number, number][],
  ): { sketch: HyperLogLog | undefined; rest: [number, number][] } {
    let sketch: HyperLogLog | undefined;
    const rest: [number, number][] = [];
    for (const range of ranges) {
      const month = monthIndexOfDay(range[0]);
      const registers = this.#readDays(node, view, month);
      if (registers === undefined) {
        rest.push(range);
        continue;
      }
      sketch ??= new HyperLogLog(this.#cells.precision);
      const first = firstDayOfMonthIndex(month);
      this.#days[view].mergeDays(registers, range[0] - first, range[1] - first, sketch);
    }
    return { sketch, rest };
  }

  /** A month's day registers when it has a month sketch, rebuilt with it first if stale; else undefined. */
  #readDays(node: number, view: ViewIndex, month: number): MonthDays | undefined {
    const tally = this.#months[view];
    const r = tally.find(node, month);
    if (r < 0 || tally.cell(r) < 0) return undefined;
    this.#monthSketch(node, view, month, false);
    return this.#days[view].get(r);
  }

  /** Whether any participant ids were recorded in the unit's subtree (to tell "none recorded" from zero). */
  hasParticipants(): boolean {
    return this.#logs.size > 0;
  }

  /**
   * What the projection holds, for memory accounting: per grid (as-was, as-is), its cells, how many are
   * sketches or stale, how many exact ones have loose days, are packed, share a block or are empty (their
   * people moved elsewhere), the exact members and the index's bytes;
   * the month sketches and their day registers; the arena's cells and bytes; the registry; the logs.
   */
  footprint() {
    const grid = (index: CellIndex) => {
      let sketches = 0;
      let stale = 0;
      let loose = 0;
      let packed = 0;
      let shared = 0;
      let empty = 0;
      let members = 0;
      index.forEach((_, __, cell) => {
        if (this.#cells.isExact(cell)) {
          const n = this.#cells.size(cell).value;
          members += n;
          if (n === 0) empty++;
          if (!this.#cells.hasDays(cell)) loose++;
          if (this.#cells.isPacked(cell)) packed++;
          if (this.#cells.isShared(cell)) shared++;
        } else sketches++;
        if (this.#cells.isStale(cell)) stale++;
      });
      return {
        cells: index.size,
        sketches,
        stale,
        loose,
        packed,
        shared,
        empty,
        members,
        bytes: index.byteLength,
      };
    };
    const months = (tally: MonthTally) => {
      let sketches = 0;
      let stale = 0;
      tally.forEachCell((_, __, cell) => {
        sketches++;
        if (this.#cells.isStale(cell)) stale++;
      });
      return { records: tally.size, sketches, stale, bytes: tally.byteLength };
    };
    let participations = 0;
    // The logs' words, and those free in their pool.
    let logBytes = this.#logs.pool.freeBytes;
    for (const log of this.#logs.values()) {
      participations += log.length;
      logBytes += log.byteLength;
    }
    let monthLogBytes = 0;
    for (const log of this.#monthLogs.values()) monthLogBytes += log.byteLength;
    return {
      people: this.registry.size,
      registry: { bytes: this.registry.byteLength },
      was: grid(this.#desc[AS_WAS]),
      is: grid(this.#desc[AS_IS]),
      months: { was: months(this.#months[AS_WAS]), is: months(this.#months[AS_IS]) },
      days: this.#days.reduce((t, d) => ({ records: t.records + d.size, bytes: t.bytes + d.byteLength }), {
        records: 0,
        bytes: 0,
      }),
      arena: {
        cells: this.#cells.cells,
        bytes: this.#cells.byteLength,
        usedBytes: this.#cells.pool.used * 4,
        freeBytes: this.#cells.pool.free * 4,
      },
      logs: { units: this.#logs.size, participations, bytes: logBytes, freeBytes: this.#logs.pool.freeBytes },
      monthLogs: {
        months: this.#monthLogs.size,
        participations: this.#monthLogEntries,
        bytes: monthLogBytes,
      },
    };
  }

  /** The people projection's state for a checkpoint: the registry's, arena's and indexes' arrays, the logs. */
  exportState(w: SnapshotWriter) {
    const cells = this.#cells.exportState();
    return {
      people: (({ bytes, lengths, hashes, table }) => ({
        bytes: w.blob(bytes),
        lengths: w.blob(lengths),
        hashes: w.blob(hashes),
        table: w.blob(table),
      }))(this.#registry.exportState()),
      cells: {
        threshold: cells.threshold,
        precision: cells.precision,
        offset: w.blob(cells.offset),
        class: w.blob(cells.class),
        distinct: w.blob(cells.distinct),
        flags: w.blob(cells.flags),
        participations: w.blob(cells.participations),
        chunkLog: cells.chunkLog,
        chunks: cells.chunks.map((chunk) => w.blob(chunk)),
        freeLengths: w.blob(Uint32Array.from(cells.free, (list) => list?.length ?? 0)),
        free: w.blob(concatU32(cells.free)),
        many: w.blob(cells.many),
      },
      was: w.blob(this.#desc[AS_WAS].exportState()),
      is: w.blob(this.#desc[AS_IS].exportState()),
      slotCount: this.#slotCount,
      months: this.#months.map((tally) => {
        const { index, counts, cells } = tally.exportState();
        return { index: w.blob(index), counts: w.blob(counts), cells: w.blob(cells) };
      }),
      days: this.#days.map((d) => {
        const { records, days, dense, sparse } = d.exportState();
        return { records: w.blob(records), days: w.blob(days), dense: w.blob(dense), sparse: w.blob(sparse) };
      }),
      logs: packMixedIntLists(
        w,
        [...this.#logs.entries()].map(([u, log]) => [u, log.words(), log.width] as const),
      ),
    };
  }

  importState(r: SnapshotReader, state: ReturnType<PeopleCube['exportState']>): void {
    this.#registry = PersonRegistry.fromState({
      bytes: r.u8(state.people.bytes),
      lengths: r.u8(state.people.lengths),
      hashes: r.u32(state.people.hashes),
      table: r.i32(state.people.table),
    });
    const c = state.cells;
    const freeLengths = r.u32(c.freeLengths);
    const free = r.u32(c.free);
    let from = 0;
    this.#cells.importState({
      threshold: c.threshold,
      precision: c.precision,
      offset: r.u32(c.offset),
      class: r.u8(c.class),
      distinct: r.u32(c.distinct),
      flags: r.u8(c.flags),
      participations: r.f64(c.participations),
      chunkLog: c.chunkLog,
      chunks: c.chunks.map((chunk) => r.u32(chunk)),
      free: Array.from(freeLengths, (n) => {
        from += n;
        return free.subarray(from - n, from);
      }),
      many: r.u32(c.many),
    });
    this.#desc[AS_WAS].importState(r.u32(state.was), this.#cells.cells);
    this.#desc[AS_IS].importState(r.u32(state.is), this.#cells.cells);
    this.#slotCount = state.slotCount;
    this.#months.forEach((tally, view) => {
      const t = state.months[view]!;
      tally.importState(
        { index: r.u32(t.index), counts: r.i32(t.counts), cells: r.i32(t.cells) },
        this.#cells.cells,
      );
    });
    this.#days.forEach((d, view) => {
      const t = state.days[view]!;
      d.importState(
        { records: r.i32(t.records), days: r.i32(t.days), dense: r.u8(t.dense), sparse: r.u32(t.sparse) },
        this.#months[view as ViewIndex].size,
      );
    });
    // Stale cells are not listed in the checkpoint: their flags are, so the list is found again.
    this.#stale = [];
    this.#underToday.clear();
    this.#contributors.clear();
    this.#dropMonthLogs();
    for (const g of [WAS, IS] as const) {
      this.#grid(g).forEach((node, key, cell) => {
        // Keys are stored as unsigned words; `| 0` gives back a month before 1900's negative key.
        if (this.#cells.isStale(cell)) this.#stale.push(g, node, key | 0);
        else this.#queueDays(g, node, key | 0, cell);
        if (!this.#cells.isExact(cell))
          this.#stale.push(GATHER + (g === WAS ? AS_WAS : AS_IS), node, Math.floor((key | 0) / SLOTS));
      });
    }
    this.#months.forEach((tally, view) => {
      tally.forEachCell((node, month, cell) => {
        if (this.#cells.isStale(cell)) this.#stale.push(MONTH + view, node, month);
      });
    });
    this.#logs.restore(ListIndex.mixedInts(r, state.logs));
  }

  /**
   * The participations of a month that count under the node in a view (`units` are {@link #unitsUnder}'s),
   * gathered from the units' logs into one {@link MonthLog} the first time they are read, and kept — the
   * least recently read dropped once they hold more than the budget between them.
   */
  #monthLog(node: number, view: ViewIndex, month: number, units: readonly number[]): MonthLog {
    const key = monthLogKey(node, view, month);
    const kept = this.#monthLogs.get(key);
    if (kept !== undefined) {
      this.#monthLogs.delete(key);
      this.#monthLogs.set(key, kept);
      return kept;
    }
    this.#gatherMonth(node, view, month, units);
    return this.#keepMonthLog(key);
  }

  /**
   * Keeps what {@link #gathering} holds as the month log of `key`, dropping the least recently read others
   * while the logs hold more than the budget between them; returns it.
   */
  #keepMonthLog(key: number): MonthLog {
    const log = this.#gathering.finish();
    this.#monthLogs.set(key, log);
    this.#monthLogEntries += log.length;
    for (const [old, gone] of this.#monthLogs) {
      if (this.#monthLogEntries <= this.#monthLogBudget || old === key) break;
      this.#monthLogs.delete(old);
      this.#monthLogEntries -= gone.length;
    }
    return log;
  }

  /**
   * Meets in {@link #gathering} each unit's participations of the month, as-was only on the days it was
   * under the node.
   */
  #gatherMonth(node: number, view: ViewIndex, month: number, units: readonly number[]): void {
    const from = firstDayOfMonthIndex(month);
    const to = firstDayOfMonthIndex(month + 1) - 1;
    const gathering = this.#gathering;
    gathering.begin(to - from + 1, this.#slotCount);
    for (const u of units) {
      const log = this.#logs.get(u);
      if (log === undefined) continue;
      const always = u === node || view === AS_IS;
      let lastDay = Number.NaN;
      let under = true;
      for (let i = log.firstFrom(from); i < log.length; i++) {
        const day = log.dayAt(i);
        if (day > to) break;
        if (!always && day !== lastDay) {
          lastDay = day;
          under = this.#countsUnder(u, node, AS_WAS, day);
        }
        const entry = log.entryAt(i);
        if (under) gathering.push(day - from, slotOfEntry(entry), log.personAt(i), deltaOfEntry(entry));
      }
    }
  }

  /**
   * The gathered month logs a participation of unit u in `month` counts in: as-was the unit's and those of
   * its ancestors on the day, as-is the unit's and those of the nodes it counts under today (`was` and `is`
   * as {@link add} has them) — the nodes whose {@link #unitsUnder} would gather it.
   */
  #monthLogsOf(u: number, was: readonly number[], is: readonly number[], month: number): MonthLog[] {
    const out: MonthLog[] = [];
    for (const view of [AS_WAS, AS_IS] as const) {
      const nodes = view === AS_WAS ? was : is;
      for (let i = -1; i < nodes.length; i++) {
        const log = this.#monthLogs.get(monthLogKey(i < 0 ? u : nodes[i]!, view, month));
        if (log !== undefined) out.push(log);
      }
    }
    return out;
  }

  #dropMonthLogs(): void {
    this.#monthLogs.clear();
    this.#monthLogEntries = 0;
  }

  /** A free-standing set with the cells' threshold, for partial months and rebuilds. */
  #newSet(): PeopleSet {
    return new PeopleSet({ threshold: this.#cells.threshold });
  }

  #asIsNodes(u: number): readonly number[] {
    const target = this.#h.primaryNode(u);
    if (target === u) return this.#h.asIsChain(u);
    return [target, ...this.#h.asIsChain(target)];
  }

  #countsUnder(u: number, node: number, view: ViewIndex, day: number): boolean {
    // Both chains are cached by the hierarchy: this runs per unit, and per day as-was, in every log scan.
    if (view === AS_WAS) return u === node || this.#h.chainAt(u, day).includes(node);
    const target = this.#h.primaryNode(u);
    return target === node || this.#h.asIsChain(target).includes(node);
  }

  /** How many cells a removal left stale and {@link refreshStale} has not yet seen (some a query rebuilt). */
  get pendingRefresh(): number {
    return this.#stale.length / 3;
  }

  /**
   * Rebuilds stale cells, most recently staled first, until none is left or `stop()` says so (checked
   * before each cell); returns how many remain. Queries rebuild a stale cell they meet anyway; this moves the
   * cost off them, for a server to call when idle. With none left, and time left, it compacts the cells'
   * arena if enough of it is free (see {@link PeopleCubeOptions.compactFrom}): after a fold from scratch a
   * fifth is, in blocks that tables outgrew; moves the participation logs into a new pool if enough of
   * theirs is blocks logs outgrew (see {@link WordPool.wantsRepack}); and cuts the arena's per-cell arrays
   * and the registry's to what they hold, when growing by half left 4 × `compactFrom` bytes unused.
   */
  refreshStale(stop: () => boolean = () => false): number {
    const stale = this.#stale;
    this.#refreshStale(stop);
    if (stale.length === 0 && !stop()) {
      if (this.#packPast(stop)) {
        const { used, free } = this.#cells.pool;
        if (free > 0 && free >= this.#compactFrom && free >= used * COMPACT_SHARE) this.#cells.compact();
      }
      this.#logs.repack(this.#compactFrom * 4);
      this.#cells.trim(this.#compactFrom * 4);
      this.#registry.trim(this.#compactFrom * 4);
      for (const days of this.#days) days.compact();
    }
    return stale.length / 3;
  }

  /**
   * Packs the open tables of past months' cells — all but the `openMonths` newest with people — a
   * step at a time until `stop()` says so (see {@link PeopleArena.pack}), and points an as-is cell at its
   * node's as-was cell's block when they hold the same (see {@link PeopleArena.share}: at 1M half the as-is
   * cells' members were such). True once none is left: the compaction that follows takes back the words
   * packing and sharing freed. The cells are listed again only once the arena has a new cell or a packed
   * one opened.
   */
  #packPast(stop: () => boolean): boolean {
    const arena = this.#cells;
    if (this.#packAt >= this.#packQueue.length) {
      if (arena.cells === this.#packedCells && arena.thaws === this.#packedThaws) return true;
      this.#packedCells = arena.cells;
      this.#packedThaws = arena.thaws;
      let latest = Number.NEGATIVE_INFINITY;
      const monthOf = (key: number) => Math.floor((key | 0) / SLOTS);
      for (const index of this.#desc)
        index.forEach((_, key) => {
          latest = Math.max(latest, monthOf(key));
        });
      const cells: number[] = [];
      const was = this.#desc[AS_WAS];
      this.#desc.forEach((index, view) => {
        index.forEach((node, key, cell) => {
          if (monthOf(key) > latest - this.#openMonths || !arena.isExact(cell) || arena.isPacked(cell))
            return;
          cells.push(cell, view === AS_IS ? was.get(node, key) : -1);
        });
      });
      this.#packQueue = Int32Array.from(cells);
      this.#packAt = 0;
    }
    const queue = this.#packQueue;
    while (this.#packAt < queue.length) {
      if (this.#packAt % (2 * PACK_STEP) === 0 && stop()) return false;
      const cell = queue[this.#packAt++]!;
      const partner = queue[this.#packAt++]!;
      arena.pack(cell);
      if (partner < 0) continue;
      arena.pack(partner);
      arena.share(partner, cell);
    }
    // Listed again only when there is something new to pack: at 10M the list held 2.7 MB.
    this.#packQueue = NO_CELLS;
    this.#packAt = 0;
    return true;
  }

  #refreshStale(stop: () => boolean): void {
    const stale = this.#stale;
    while (stale.length > 0 && !stop()) {
      const key = stale.pop()!;
      const node = stale.pop()!;
      const g = stale.pop()!;
      if (g >= GATHER) {
        this.#gatherAhead(node, (g - GATHER) as ViewIndex, key);
        continue;
      }
      if (g >= DAYS) {
        const grid = (g - DAYS) as GridIndex;
        const cell = this.#grid(grid).get(node, key);
        const month = Math.floor(key / SLOTS);
        if (cell >= 0) this.#withDays(grid, node, month, key - month * SLOTS, cell);
        continue;
      }
      if (g >= MONTH) {
        this.#monthSketch(node, (g - MONTH) as ViewIndex, key, false);
        continue;
      }
      const month = Math.floor(key / SLOTS);
      this.#readDesc(node, g === WAS ? AS_WAS : AS_IS, month, key - month * SLOTS);
    }
  }

  /**
   * Gathers a subtree month's participation log (see {@link #monthLog}) before a read needs it, for a month
   * with a sketch cell: days inside it cannot be read from its cells, and gathering a province's month at
   * the first read costs 3–30 ms. Only while the budget has room: a log gathered ahead never pushes out one
   * a read made or one gathered before it (the refresh meets the most recent months first, the likeliest
   * to be asked: this week, last week). Not for a small subtree (its units' logs are read directly), a month
   * gathered already, nor one whose every day with people certainly holds more than a set keeps exactly (the
   * national root's, at scale): its day registers answer any of its days.
   */
  #gatherAhead(node: number, view: ViewIndex, month: number): void {
    if (this.#monthLogEntries >= this.#monthLogBudget) return;
    if (this.#monthLogs.has(monthLogKey(node, view, month))) return;
    const units = this.#unitsUnder(node, view);
    if (units.length <= this.#monthLogFrom) return;
    const registers = this.#readDays(node, view, month);
    if (registers !== undefined) {
      const days = firstDayOfMonthIndex(month + 1) - firstDayOfMonthIndex(month);
      let needed = false;
      for (let d = 0; d < days && !needed; d++) {
        const day = new HyperLogLog(this.#cells.precision);
        this.#days[view].mergeDays(registers, d, d, day);
        const people = day.estimate();
        needed = people > 0 && people <= CERTAINLY_OVER * this.#cells.threshold;
      }
      if (!needed) return;
    }
    // The month's cells count its participations under the node exactly, sketches too — what the log will
    // hold: a month that does not fit is not gathered (at 10M a province's month takes 3–30 ms to gather).
    if (this.#monthLogEntries + this.#participationsIn(node, view, month) > this.#monthLogBudget) return;
    this.#gatherMonth(node, view, month, units);
    this.#keepMonthLog(monthLogKey(node, view, month));
  }

  /**
   * Participations in a month that count under the node in a view: its descendants' cells', and its own
   * from its log (those taken back netted out).
   */
  #participationsIn(node: number, view: ViewIndex, month: number): number {
    let n = 0;
    for (let s = 0; s < this.#slotCount; s++) {
      const desc = this.#desc[view].get(node, cellKey(month, s));
      if (desc >= 0) n += this.#cells.participations(desc);
    }
    const log = this.#logs.get(node);
    if (log === undefined) return n;
    const to = firstDayOfMonthIndex(month + 1) - 1;
    for (let i = log.firstFrom(firstDayOfMonthIndex(month)); i < log.length && log.dayAt(i) <= to; i++) {
      n += deltaOfEntry(log.entryAt(i));
    }
    return n;
  }

  /**
   * Adds to `into` the people of unit u's participations on days `fromDay` to `toDay` that `keep` accepts,
   * netted per person first: replayed one by one, a correction's removal reaching a set already past its
   * threshold could not be honoured, and the set would stay stale. (A unit's removals are in its own log,
   * after what they take back, on the same day and slot.)
   */
  #netPeople(
    u: number,
    keep: (day: number, slot: number) => boolean,
    into: PeopleSet,
    fromDay: number,
    toDay: number,
  ): PeopleSet {
    const log = this.#logs.get(u);
    if (!log) return into;
    this.#netBegin();
    this.#netRun(log, fromDay === Number.NEGATIVE_INFINITY ? 0 : log.firstFrom(fromDay), toDay, keep);
    const hashes = this.registry.hashes;
    this.#netEnd((p, times) => into.add(p, hashes[p]!, times));
    return into;
  }

  /** Readies {@link #netRun}'s counters: one per person in the registry, all 0 between nettings. */
  #netBegin(): void {
    if (this.#net32.length < this.registry.size) {
      this.#net32 = new Int32Array(Math.max(this.registry.size, this.#net32.length * 2, 1024));
    }
    this.#netCount = 0;
  }

  /**
   * Nets the participations of a log from its entry `start` (the first on or after the first day) to `toDay`
   * that `keep` accepts (all when null) into a counter per person, listing each person the first time. Every
   * removal in a log follows what it takes back, on the same day and slot, so a person's net is never
   * negative and is 0 exactly when nothing of theirs is left in those days.
   */
  #netRun(
    log: ParticipationLog,
    start: number,
    toDay: number,
    keep: ((day: number, slot: number) => boolean) | null,
    sign: 1 | -1 = 1,
  ): void {
    const net = this.#net32;
    for (let i = start; i < log.length; i++) {
      const day = log.dayAt(i);
      if (day > toDay) break;
      const entry = log.entryAt(i);
      if (keep !== null && !keep(day, slotOfEntry(entry))) continue;
      const p = log.personAt(i);
      if (net[p] === 0) this.#netSee(p);
      net[p]! += sign * deltaOfEntry(entry);
    }
  }

  /**
   * Lists a person met for the first time since {@link #netBegin}: their counter goes from 0 (not seen) to
   * NET_ZERO (seen, netted to nothing so far).
   */
  #netSee(p: number): void {
    if (this.#netCount === this.#touched.length) {
      const grown = new Int32Array(this.#netCount * 2);
      grown.set(this.#touched);
      this.#touched = grown;
    }
    this.#touched[this.#netCount++] = p;
    this.#net32[p] = NET_ZERO;
  }

  /**
   * Nets the people of a month log's days `fromDay` to `toDay` (0-based) in the slots of `mask` (all when
   * null) into {@link #netRun}'s counters: one run of the log for all slots, else one per day and slot.
   */
  #netMonth(log: MonthLog, fromDay: number, toDay: number, mask: Uint8Array | null): void {
    if (mask === null) {
      this.#netPersons(log.persons, log.groupStart(fromDay, 0), log.groupStart(toDay + 1, 0));
      return;
    }
    const slots = Math.min(log.slots, mask.length);
    for (let day = fromDay; day <= toDay; day++) {
      for (let s = 0; s < slots; s++) {
        if (mask[s] === 1) this.#netPersons(log.persons, log.groupStart(day, s), log.groupStart(day, s + 1));
      }
    }
  }

  /** Nets one participation of each of `persons[start..end)` into {@link #netRun}'s counters. */
  #netPersons(persons: Int32Array, start: number, end: number): void {
    const net = this.#net32;
    for (let i = start; i < end; i++) {
      const p = persons[i]!;
      if (net[p] === 0) this.#netSee(p);
      net[p]!++;
    }
  }

  /** Calls `visit` with each person netted to some participations, and clears the counters. */
  #netEnd(visit: (person: number, times: number) => void): void {
    const net = this.#net32;
    const touched = this.#touched;
    for (let i = 0; i < this.#netCount; i++) {
      const p = touched[i]!;
      const times = net[p]! - NET_ZERO;
      net[p] = 0;
      if (times > 0) visit(p, times);
    }
    this.#netCount = 0;
  }

  /** The cell of a node's descendants' people in (month, slot), rebuilt first if stale; -1 when none. */
  #readDesc(node: number, view: ViewIndex, month: number, slot: number): number {
    const cell = this.#desc[view].get(node, cellKey(month, slot));
    if (cell < 0 || !this.#cells.isStale(cell)) return cell;
    const fresh =
      view === AS_WAS
        ? (this.#fromChildren(node, month, slot) ?? this.#fromLogs(node, month, slot))
        : this.#fromOwnPeople(node, month, slot);
    this.#cells.assign(cell, fresh);
    this.#queueDays(view === AS_WAS ? WAS : IS, node, cellKey(month, slot), cell);
    return cell;
  }

  /** Lists an exact cell whose days are loose for {@link refreshStale} to make them true again. */
  #queueDays(g: GridIndex, node: number, key: number, cell: number): void {
    if (this.#cells.isExact(cell) && !this.#cells.hasDays(cell)) this.#stale.push(DAYS + g, node, key);
  }

  /**
   * Whether an exact cell's members' days can be trusted, making them so first when a removal or a rebuild
   * left them loose: from what it is the union of, as a stale one is rebuilt — as-is the own people of the
   * units under the node today, as-was the children's own people and cells when no child came or went that
   * month, else the logs. False for a sketch.
   */
  #withDays(g: GridIndex, node: number, month: number, slot: number, cell: number): boolean {
    if (this.#cells.hasDays(cell)) return true;
    if (!this.#cells.isExact(cell)) return false;
    const from = firstDayOfMonthIndex(month);
    const to = firstDayOfMonthIndex(month + 1) - 1;
    const fromLogs =
      (units: readonly number[], counts: (u: number, day: number) => boolean) =>
      (note: (person: number, days: number) => void) => {
        for (const u of units) this.#noteDays(u, from, to, slot, counts, note);
      };
    let parts = g === IS ? this.#ownPartsToday(node) : this.#childCells(node, month, slot);
    if (parts?.some((p) => p.g !== OWN && !this.#withDays(p.g, p.node, month, slot, p.cell)))
      parts = undefined;
    if (parts !== undefined) {
      const days = parts;
      return this.#cells.restoreDays(cell, (note) => {
        for (const part of days) {
          if (part.g !== OWN) this.#cells.forEachMemberDays(part.cell, note);
          else this.#noteDays(part.node, from, to, slot, () => true, note);
        }
      });
    }
    const units = this.#unitsUnder(node, g === WAS ? AS_WAS : AS_IS).filter((u) => u !== node);
    return this.#cells.restoreDays(
      cell,
      fromLogs(units, (u, day) => g === IS || this.#countsUnder(u, node, AS_WAS, day)),
    );
  }

  /**
   * Notes the day (a bit of the month `from` starts) of each of unit u's participations from `from` to `to`
   * in `slot` that `counts` (see {@link #forEachLeft}).
   */
  #noteDays(
    u: number,
    from: number,
    to: number,
    slot: number,
    counts: (u: number, day: number) => boolean,
    note: (person: number, days: number) => void,
  ): void {
    this.#forEachLeft(u, from, to, (day, s, p) => {
      if (s === slot && counts(u, day)) note(p, 1 << (day - from));
    });
  }

  /**
   * Visits unit u's participations from `from` to `to` that a correction did not take back: as they lie when
   * the run holds no removal (most hold none; a person may then come more than once a day and slot), else
   * netted per (day, slot, person) first (see {@link #net}), each once.
   */
  #forEachLeft(
    u: number,
    from: number,
    to: number,
    visit: (day: number, slot: number, person: number) => void,
  ): void {
    const log = this.#logs.get(u);
    if (log === undefined) return;
    const start = log.firstFrom(from);
    let end = start;
    let removals = false;
    for (; end < log.length && log.dayAt(end) <= to; end++) {
      if (deltaOfEntry(log.entryAt(end)) < 0) removals = true;
    }
    if (removals) {
      for (const [day, slot, p] of this.#net(u, from, to)) visit(day, slot, p);
      return;
    }
    for (let i = start; i < end; i++) visit(log.dayAt(i), slotOfEntry(log.entryAt(i)), log.personAt(i));
  }

  /**
   * As-was, a node's descendants' people in a month are its children's own and descendants' people — when
   * each child was its child for the whole month or not at all. Then the stale cell is the union of a dozen
   * children's own people and cells (rebuilt first if stale themselves) instead of a scan of every unit's log
   * below it. Undefined when a child came or went during the month, or a part is itself stale: the logs
   * decide.
   */
  #fromChildren(node: number, month: number, slot: number): PeopleSet | undefined {
    const parts = this.#childCells(node, month, slot);
    if (parts === undefined) return undefined;
    const fresh = this.#unionOf(parts, month, slot);
    return fresh.isStale ? undefined : fresh;
  }

  /** The union of parts of a (month, slot): cells, and units' own people read from their logs. */
  #unionOf(parts: readonly CellPart[], month: number, slot: number): PeopleSet {
    const fresh = this.#newSet();
    const from = firstDayOfMonthIndex(month);
    const to = firstDayOfMonthIndex(month + 1) - 1;
    const keep = (_: number, s: number) => s === slot;
    // The own parts netted together, each person's participations summed across units, then added once.
    this.#netBegin();
    for (const part of parts) {
      if (part.g !== OWN) continue;
      const log = this.#logs.get(part.node);
      if (log !== undefined) this.#netRun(log, log.firstFrom(from), to, keep);
    }
    const hashes = this.registry.hashes;
    this.#netEnd((p, times) => fresh.add(p, hashes[p]!, times));
    for (const part of parts) if (part.g !== OWN) fresh.addAll(this.#cells.source(part.cell));
    return fresh;
  }

  /**
   * As-was, what a node's descendants' cell of (month, slot) is the union of — each child's own people and
   * its descendants' cell, read (rebuilt first if stale) — when every child was its child all month or not
   * at all; undefined when one came or went during the month.
   */
  #childCells(node: number, month: number, slot: number): CellPart[] | undefined {
    const from = firstDayOfMonthIndex(month);
    const to = firstDayOfMonthIndex(month + 1) - 1;
    const parts: CellPart[] = [];
    // Children that first came under the node after the month cannot count: stop at the first of them.
    const arrivals = this.#h.childrenByArrival(node);
    for (let i = 0; i < arrivals.children.length && arrivals.days[i]! <= to; i++) {
      const c = arrivals.children[i]!;
      if (this.#h.unit(c).parents.some((p) => p.from > from && p.from <= to)) return undefined;
      if (this.#h.parentAt(c, from) !== node) continue;
      if (this.#logs.has(c)) parts.push({ g: OWN, node: c, cell: -1 });
      const desc = this.#readDesc(c, AS_WAS, month, slot);
      if (desc >= 0) parts.push({ g: WAS, node: c, cell: desc });
    }
    return parts;
  }

  /**
   * As-is, where a unit's people count does not depend on the day: a node's descendants' people in a month
   * are the own people of every unit that counts under it in today's tree, each a binary search and a run
   * of its log's month — or, under more than `monthLogFrom` units, the month's participations gathered by
   * day and slot (see {@link #monthLog}; kept, so the month's other slots and reads find it) less the node's
   * own: at 10M a province's month is 1,600 units' runs, each read again for every slot rebuilt (the idle
   * refresh of the bench's 3,925 stale entries took 54 s that way, 30 s with own cells). Never stale.
   */
  #fromOwnPeople(node: number, month: number, slot: number): PeopleSet {
    const units = this.#unitsUnder(node, AS_IS);
    if (units.length <= this.#monthLogFrom) return this.#unionOf(this.#ownPartsToday(node), month, slot);
    const log = this.#monthLog(node, AS_IS, month, units);
    this.#netBegin();
    for (let d = 0; slot < log.slots && d < log.days; d++) {
      this.#netPersons(log.persons, log.groupStart(d, slot), log.groupStart(d, slot + 1));
    }
    const own = this.#logs.get(node);
    if (own !== undefined) {
      const from = firstDayOfMonthIndex(month);
      const to = firstDayOfMonthIndex(month + 1) - 1;
      this.#netRun(own, own.firstFrom(from), to, (_, s) => s === slot, -1);
    }
    const fresh = this.#newSet();
    const hashes = this.registry.hashes;
    this.#netEnd((p, times) => fresh.add(p, hashes[p]!, times));
    return fresh;
  }

  /** As-is, the own people of the units with participations under the node today, other than itself. */
  #ownPartsToday(node: number): CellPart[] {
    const parts: CellPart[] = [];
    for (const u of this.#unitsUnder(node, AS_IS)) if (u !== node) parts.push({ g: OWN, node: u, cell: -1 });
    return parts;
  }

  /**
   * The units with participations that may count under the node in a view, the node's own always among
   * them (its own people count in its months): as-was, every unit ever below it, to be asked day by day;
   * as-is, those under it in today's tree (kept; see `#underToday`).
   */
  #unitsUnder(node: number, view: ViewIndex): readonly number[] {
    if (view === AS_WAS) return this.#contributors.of(node);
    let units = this.#underToday.get(node);
    if (!units) {
      units = this.#contributors.of(node).filter((u) => u === node || this.#countsUnder(u, node, AS_IS, 0));
      this.#underToday.set(node, units);
    }
    return units;
  }

  /**
   * An as-was desc cell rebuilt from the participation logs of every unit that may have been under the node
   * that month: when a child came or went during it, or a child's part is stale.
   */
  #fromLogs(node: number, month: number, slot: number): PeopleSet {
    const fresh = this.#newSet();
    const from = firstDayOfMonthIndex(month);
    const to = firstDayOfMonthIndex(month + 1) - 1;
    for (const u of this.#contributors.of(node)) {
      if (u === node) continue;
      const keep = (day: number, s: number) => s === slot && this.#countsUnder(u, node, AS_WAS, day);
      this.#netPeople(u, keep, fresh, from, to);
    }
    return fresh;
  }

  /**
   * What a participation of unit u's own changes besides its log, which is where its own people are read
   * from: the day registers and the sketch of u's subtree month, in both views, where it has them. A unit's
   * own months make no record of the month: they are many and small.
   */
  #touchOwn(u: number, day: number, month: number, person: number, delta: number) {
    for (const view of VIEWS) {
      this.#keepDays(view, u, day, month, person, delta);
      const tally = this.#months[view];
      const r = tally.find(u, month);
      if (r < 0) continue;
      const sketch = tally.cell(r);
      if (sketch < 0) continue;
      // A person may be in the month already: a sketch takes them again unchanged. One taken back may leave
      // it, which a sketch cannot tell: it goes stale.
      if (delta > 0) this.#cells.add(sketch, person, 0);
      else if (!this.#cells.isStale(sketch)) {
        this.#cells.markStale(sketch);
        this.#stale.push(MONTH + view, u, month);
      }
    }
  }

  /** The descendants' cells of a grid. */
  #grid(g: GridIndex): CellIndex {
    return this.#desc[g === WAS ? AS_WAS : AS_IS];
  }

  #touch(g: GridIndex, node: number, day: number, key: number, person: number, delta: number) {
    const grid = this.#grid(g);
    let cell = grid.get(node, key);
    if (cell < 0) {
      if (delta < 0) return;
      cell = this.#cells.create();
      grid.set(node, key, cell);
    }
    const month = Math.floor(key / SLOTS);
    const dayOfMonth = dayOfMonthIn(day, month);
    let joinedOrLeft: boolean;
    if (delta > 0) {
      const wasExact = this.#cells.isExact(cell);
      joinedOrLeft = this.#cells.add(cell, person, 1, dayOfMonth);
      if (wasExact && !this.#cells.isExact(cell))
        this.#stale.push(GATHER + (g === WAS ? AS_WAS : AS_IS), node, month);
    } else {
      const wasStale = this.#cells.isStale(cell);
      const hadDays = this.#cells.hasDays(cell);
      joinedOrLeft = this.#cells.remove(cell, person, dayOfMonth);
      if (!wasStale && this.#cells.isStale(cell)) this.#stale.push(g, node, key);
      else if (hadDays) this.#queueDays(g, node, key, cell);
    }
    this.#keepDays(g === WAS ? AS_WAS : AS_IS, node, day, month, person, delta);
    // A person already in (or still in) an exact cell is already in (still in) the month's sketch.
    const isSketch = this.#cells.members(cell) < 0;
    if (!joinedOrLeft && !isSketch) return;
    this.#keepMonth(g === WAS ? AS_WAS : AS_IS, node, month, person, delta, joinedOrLeft, isSketch);
  }

  /**
   * Keeps a subtree month's day registers, where it has them, in step with every participation, not only
   * joins: a person's later days in the month count on those days. A participation taken back may leave its
   * person in the month but not on its day, and a register cannot forget: the month's sketch is marked stale,
   * and both are rebuilt together before they are read again.
   */
  #keepDays(view: ViewIndex, node: number, day: number, month: number, person: number, delta: number) {
    const days = this.#days[view];
    if (days.size === 0) return;
    const tally = this.#months[view];
    const r = tally.find(node, month);
    if (r < 0) return;
    const registers = days.get(r);
    if (registers === undefined) return;
    if (delta > 0) {
      days.add(registers, day - firstDayOfMonthIndex(month), this.registry.hashes[person]!);
      return;
    }
    const sketch = tally.cell(r);
    if (!this.#cells.isStale(sketch)) {
      this.#cells.markStale(sketch);
      this.#stale.push(MONTH + view, node, month);
    }
  }

  /**
   * Keeps a subtree month's sketch in step with a person joining or leaving one of its descendants' cells,
   * and the month's count of descendants' members; makes the sketch when that count passes `monthSketchAt`
   * or the cell `isSketch`. Made from the cells as they are, stale ones included (the sketch is then
   * stale): nothing is rebuilt in the middle of a fold.
   */
  #keepMonth(
    view: ViewIndex,
    node: number,
    month: number,
    person: number,
    delta: number,
    joinedOrLeft: boolean,
    isSketch: boolean,
  ) {
    const tally = this.#months[view];
    const r = delta > 0 ? tally.record(node, month) : tally.find(node, month);
    if (r < 0) return;
    const count = joinedOrLeft ? tally.addCount(r, delta) : tally.count(r);
    const sketch = tally.cell(r);
    if (sketch >= 0) {
      if (delta > 0) this.#cells.add(sketch, person, 0);
      else if (!this.#cells.isStale(sketch)) {
        this.#cells.markStale(sketch);
        this.#stale.push(MONTH + view, node, month);
      }
      return;
    }
    if (delta > 0 && (count > this.#monthSketchAt || isSketch)) this.#fillMonth(view, node, month, r, false);
  }

  /** Adds a cell to the month a read gathers; returns `members` plus its exact members (∞ for a sketch). */
  #gather(cell: number, members: number): number {
    this.#parts.push(cell);
    const n = this.#cells.members(cell);
    return n < 0 ? Number.POSITIVE_INFINITY : members + n;
  }

  /**
   * The sketch of a subtree's people in a whole month of every kind: made, or rebuilt if stale, from the
   * month's cells (each rebuilt first if stale). Its day registers are rebuilt with it where it has them,
   * and made with it when `makeDays`: for a month large in its own right, not for one read as a sketch only
   * because another month of the period was (their scan of every unit's log below would be most of the
   * cost of that read, for days no read of that month may ever ask for).
   */
  #monthSketch(node: number, view: ViewIndex, month: number, makeDays = true): number {
    const r = this.#months[view].record(node, month);
    const sketch = this.#months[view].cell(r);
    if (sketch >= 0 && !this.#cells.isStale(sketch)) return sketch;
    return this.#fillMonth(view, node, month, r, true, makeDays);
  }

  /**
   * (Re)makes the month's sketch from the node's own people (its log) and its descendants' cells, each
   * rebuilt first if stale when `fresh`, and its day registers where it has them or `makeDays`.
   */
  #fillMonth(
    view: ViewIndex,
    node: number,
    month: number,
    r: number,
    fresh: boolean,
    makeDays = true,
  ): number {
    const tally = this.#months[view];
    let sketch = tally.cell(r);
    if (sketch < 0) {
      sketch = this.#cells.create();
      tally.setCell(r, sketch);
    }
    this.#cells.resetToSketch(sketch);
    const own = this.#ownPeople(
      node,
      firstDayOfMonthIndex(month),
      firstDayOfMonthIndex(month + 1) - 1,
      null,
      Number.POSITIVE_INFINITY,
    );
    own?.forEachMember((p) => this.#cells.add(sketch, p, 0));
    for (let s = 0; s < this.#slotCount; s++) {
      const key = cellKey(month, s);
      const desc = fresh ? this.#readDesc(node, view, month, s) : this.#desc[view].get(node, key);
      if (desc >= 0) this.#cells.unionInto(sketch, desc);
    }
    if (!fresh && this.#cells.isStale(sketch)) this.#stale.push(MONTH + view, node, month);
    if (makeDays || this.#days[view].get(r) !== undefined) this.#fillDays(view, node, month, r);
    return sketch;
  }

  /**
   * (Re)makes a month's day registers from the participation logs of the units that may count under the
   * node: its own, and its descendants' as the view places them (as-was, under the node on the day). What a
   * correction took back is netted out first, per day, slot and person, as the cells net it.
   */
  #fillDays(view: ViewIndex, node: number, month: number, r: number) {
    const days = this.#days[view];
    const registers = days.scratch();
    const from = firstDayOfMonthIndex(month);
    const to = firstDayOfMonthIndex(month + 1) - 1;
    const hashes = this.registry.hashes;
    let unit = node;
    let always = true;
    // Whether the unit counts under the node, asked once a day as-was.
    let lastDay = Number.NaN;
    let under = true;
    const add = (day: number, _: number, p: number) => {
      if (!always && day !== lastDay) {
        lastDay = day;
        under = this.#countsUnder(unit, node, AS_WAS, day);
      }
      if (always || under) days.addWhole(registers, day - from, hashes[p]!);
    };
    for (const u of this.#unitsUnder(node, view)) {
      unit = u;
      always = u === node || view === AS_IS;
      lastDay = Number.NaN;
      this.#forEachLeft(u, from, to, add);
    }
    days.commit(r, registers);
  }

  #rollWas(units: readonly number[], fromDay: number, sign: 1 | -1) {
    const chain: number[] = [];
    for (const u of units) {
      for (const [day, slot, p, net] of this.#net(u, fromDay)) {
        const month = monthIndexOfDay(day);
        for (const n of this.#h.ancestorsAt(u, day, chain)) {
          for (let k = 0; k < net; k++) this.#touch(WAS, n, day, cellKey(month, slot), p, sign);
        }
      }
    }
  }

  /**
   * A unit's participations from `fromDay` on (to `toDay`), netted per (day, slot, person): what counts. Moving
   * history must move the net, not replay the log, or a void would remove a person before it was added. The
   * log is in day order, so each day is netted on its own, keyed by slot and person in one number (a key
   * of day, slot and person as a string was 1.7% of a 1M fold's profile, for the moves' re-attribution).
   */
  #net(u: number, fromDay: number, toDay = Number.POSITIVE_INFINITY): [number, number, number, number][] {
    const log = this.#logs.get(u);
    if (!log) return [];
    const out: [number, number, number, number][] = [];
    const day = new Map<number, [number, number, number, number]>();
    const flush = () => {
      for (const entry of day.values()) if (entry[3] > 0) out.push(entry);
      day.clear();
    };
    const end = toDay === Number.POSITIVE_INFINITY ? log.length : log.firstAfter(toDay);
    let current = Number.NaN;
    for (let i = fromDay === Number.NEGATIVE_INFINITY ? 0 : log.firstFrom(fromDay); i < end; i++) {
      const d = log.dayAt(i);
      if (d !== current) {
        flush();
        current = d;
      }
      const e = log.entryAt(i);
      const slot = slotOfEntry(e);
      const p = log.personAt(i);
      const key = slot * PERSON_SPACE + p;
      const entry = day.get(key);
      if (entry) entry[3] += deltaOfEntry(e);
      else day.set(key, [d, slot, p, deltaOfEntry(e)]);
    }
    flush();
    return out;
  }
}

const concatU32 = (lists: readonly (Uint32Array | undefined)[]): Uint32Array => {
  const out = new Uint32Array(lists.reduce((n, l) => n + (l?.length ?? 0), 0));
  let at = 0;
  for (const l of lists) {
    if (!l) continue;
    out.set(l, at);
    at += l.length;
  }
  return out;
};
