import {
  addToRegisters,
  estimateRegisters,
  HLL_DEFAULT_PRECISION,
  type HyperLogLog,
  hyperLogLogError,
  maxRegisters,
} from './hyperloglog.ts';
import {
  PEOPLE_SET_DEFAULT_THRESHOLD,
  PeopleNamed,
  type PeopleSize,
  type PeopleSource,
} from './people-set.ts';
import { ALL_DAYS, markKeys, type UnionMarks } from './person-multiset.ts';
import { classOfSize, LAST_CLASS, sizeOfClass } from './size-classes.ts';

/**
 * Many distinct-people cells — the (node, month, kind × channel) cells of the people projection — held in a
 * handful of typed arrays instead of an object (and a table object, and a Map entry) per cell. Each cell
 * behaves exactly like a {@link PeopleSet}: an exact multiset of interned person indices while small, a
 * HyperLogLog sketch past `threshold` distinct people, stale after a removal in sketch mode.
 *
 * Layout: per cell, a block offset, a size class, the distinct count, flags and the participations, each in
 * its own array indexed by cell id. Blocks live in a pool of `Uint32Array` chunks (16 MiB each; a block
 * never straddles two): an exact cell's block is an open-addressing table of n slots laid out as three runs
 * — n words of keys (person index + 1), n words of each slot's days of the month, then n bytes of its
 * participations (rounded up to whole words; see {@link MANY}) — so a union, which reads keys only, reads
 * less than half of the block; a sketch's block is its 2^p one-byte
 * registers seen through a byte view of the same chunk. A block that is outgrown goes back to the free list
 * of its size class (see {@link MIN_TABLE_CLASS}) and is reused before the pool grows. The pool grows by
 * whole chunks and never moves a block, so a restored arena can keep its chunks as views of the
 * checkpoint's bytes.
 *
 * Why: at 10 million events the projection holds millions of cells; as objects they cost more in headers,
 * pointers and hash-map entries than in members, the collector walks them all, and a checkpoint restore
 * must recreate each one. Here a restore is one copy per array, and the heap holds none of it.
 *
 * Members' hashes are not stored (the registry keeps them). Their days are: a mask of 31 bits says on which
 * days of the cell's month each member took part, so the people of any days of a month — a week inside it,
 * its first or last days — are a filtered union of its cells, with no participation log read.
 */

/** The size class of a sketch block; exact tables have classes below it. */
const SKETCH = 255;
/**
 * The size class of a packed table: its members end to end, keys ascending, so no slot is empty and a
 * member is found by a binary search (see {@link PeopleArena.pack}); read only — a write opens it into an
 * open table first. Its block: a word saying how many members took part on more than one day (m), the n
 * keys, a byte each of the member's day ({@link SEVERAL_DAYS} for the m) and one of their participations
 * (rounded up to whole words), then the m members' days of the month, in key order.
 */
const PACKED = 254;
/**
 * The size class of a packed table whose members' keys lie less than 2^16 apart (at 10M, 59% of packed
 * members were in such cells): as {@link PACKED}, but the first key a word and each next one a 16-bit gap
 * from the one before, in little-endian byte pairs after it. 4 bytes a member instead of 6.
 */
const PACKED16 = 252;
/** Whether a size class is a packed table's. */
const isPackedClass = (cls: number): boolean => cls === PACKED || cls === PACKED16;
/** The words of a {@link PACKED16} table of `n` members (n ≥ 1), `m` of them on more than one day. */
const packed16Words = (n: number, m: number): number => 2 + (n >>> 1) + ((2 * n + 3) >>> 2) + m;
/** Where a packed table's day bytes start, in its chunk's bytes (its participations bytes follow them). */
const packedByteAt = (cls: number, start: number, n: number): number =>
  (cls === PACKED ? start + 1 + n : start + 2 + (n >>> 1)) * 4;
/** A packed member's day byte that says "more than one day: the next of the block's day words". */
const SEVERAL_DAYS = 255;
/** The words of a packed table of `n` members, `m` of them on more than one day. */
const packedWords = (n: number, m: number): number => 1 + n + ((2 * n + 3) >>> 2) + m;
/** The day byte of a member on the days of `mask`: the day when it is one, else {@link SEVERAL_DAYS}. */
const dayByteOf = (mask: number): number =>
  mask !== 0 && (mask & (mask - 1)) === 0 ? 31 - Math.clz32(mask) : SEVERAL_DAYS;
const FLAG_STALE = 1;
/**
 * An exact cell whose members' days may say more than the truth: a participation was taken back from a
 * member who stays and may have had another that day, or the cell was rebuilt from a set that does not know
 * days. Its members and counts stay exact; only the reads of days (a filtered {@link PeopleArena.markInto},
 * {@link PeopleArena.forEachOnDays}) refuse it until {@link PeopleArena.restoreDays}.
 */
const FLAG_LOOSE = 2;
/**
 * A packed cell whose block another packed cell may point at too (see {@link PeopleArena.share}): it opens
 * into a table of its own before any write, and what it lets go of is not counted free — the other may
 * still read it. {@link PeopleArena.compact} finds out which blocks are still shared.
 */
const FLAG_SHARED = 4;
/**
 * An exact table's runs: person index + 1 (0: empty) and days (see {@link ALL_DAYS}), a word per slot each — a
 * slot's days are `slots` words after its key — then a byte per slot of participations, from word `2 × slots`.
 */
const tableWords = (slots: number): number => 2 * slots + Math.ceil(slots / 4);
/**
 * A participations byte that says "this many or more: ask the overflow". A member of an exact cell takes
 * part a few times a month in one kind × channel; a byte holds that, and the rare member past 254 (a cadre in
 * every daily activity of a nation's month, say) keeps the count in a map beside the pool. A word per slot
 * was a third of the pool: 37 million members at 10M, 12 → 9 bytes a slot.
 */
const MANY = 255;
const MAX_TIMES = 2 ** 32 - 1;
/** Where a table's participations byte of the slot at word `at` lies in its chunk's bytes: `timesBase + at`. */
const timesBase = (start: number, slots: number): number => (start + 2 * slots) * 4 - start;
/** The day of the month a caller passes when it does not know it: the member's days become loose. */
const NO_DAY = -1;
/**
 * Size classes of exact tables, four to a doubling (`size-classes.ts`): class 4 has 4 slots, then 5, 6, 7,
 * 8, 10, 12, 14, 16, 20… (classes below 4 are free-list numbers, not tables). With powers of two alone a
 * table is on average half empty; grown at 7/8 full through these, about a fifth (two classes to a
 * doubling, 4, 6, 8, 12…, left 29% of the 10M arena's slots empty). A member is re-inserted about six times
 * on the way to a large table, not 3.4.
 */
const MIN_TABLE_CLASS = 4;
const SLOTS_BY_CLASS = Int32Array.from({ length: 256 }, (_, cls) =>
  cls < MIN_TABLE_CLASS || cls - MIN_TABLE_CLASS > LAST_CLASS ? 0 : sizeOfClass(cls - MIN_TABLE_CLASS),
);
/**
 * A table's slots by size class, looked up (the fold asks several times per member added; computed with
 * `2 ** x`, a call of `pow`, it was 11% of a profile of the 1M fold).
 */
const slotsOf = (cls: number): number => SLOTS_BY_CLASS[cls]!;
/** A key's home slot in a table of `slots`: Fibonacci hashing, scaled rather than shifted. */
const homeOf = (key: number, slots: number): number =>
  ((Math.imul(key, FIBONACCI) >>> 0) * slots * 2 ** -32) | 0;
/** The smallest table class that holds `n` members at most 7/8 full (see {@link PeopleArena.add}). */
const classFor = (n: number): number =>
  Math.max(MIN_TABLE_CLASS, classOfSize(Math.ceil((n * 8) / 7)) + MIN_TABLE_CLASS);
/** The free list of sketch blocks; a table's is its size class ({@link MIN_TABLE_CLASS} or more). */
const SKETCH_LIST = 0;
/** Days set in a mask (the bits of a 31-bit word). */
const countDays = (mask: number): number => {
  let v = mask - ((mask >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 63;
};
const FIBONACCI = 0x9e3779b1;
/** Bytes a cell takes in the per-cell arrays: offset, class, distinct, flags, participations. */
const CELL_BYTES = 4 + 1 + 4 + 1 + 8;

export interface PeopleArenaOptions {
  /** Distinct people kept exactly before a cell becomes a sketch (default 4096). */
  readonly threshold?: number;
  /** HyperLogLog precision of sketches (default 12). */
  readonly precision?: number;
  /** log2 of a pool chunk's words (default 22: 16 MiB), raised where the largest block needs more. */
  readonly chunkLog?: number;
}

/** An arena's arrays, as a checkpoint keeps them. */
export interface PeopleArenaState {
  readonly threshold: number;
  readonly precision: number;
  readonly offset: Uint32Array;
  readonly class: Uint8Array;
  readonly distinct: Uint32Array;
  readonly flags: Uint8Array;
  readonly participations: Float64Array;
  /** log2 of a chunk's words. */
  readonly chunkLog: number;
  /** The pool's chunks; a chunk may end short of the full size, the last where its used words end. */
  readonly chunks: readonly Uint32Array[];
  /** Free block offsets by size class: a table's class ({@link MIN_TABLE_CLASS} or more), 0 for sketches. */
  readonly free: readonly Uint32Array[];
  /** The participations of members past {@link MANY} in a cell, as (cell, person, participations) triples. */
  readonly many: Uint32Array;
}

/** The registry's hashes by person index (its current array: the registry replaces it as it grows). */
export type Hashes = () => Uint32Array;

const grown = <T extends Uint32Array | Uint8Array | Float64Array>(
  old: T,
  size: number,
  make: (n: number) => T,
): T => {
  if (size <= old.length) return old;
  const next = make(Math.max(size, Math.ceil(old.length * 1.5) + 16));
  next.set(old);
  return next;
};

export class PeopleArena {
  readonly threshold: number;
  readonly precision: number;
  readonly #hashes: Hashes;
  // Per cell.
  #offset: Uint32Array = new Uint32Array(64);
  /** The table's size class (see {@link MIN_TABLE_CLASS}), or SKETCH; 0 while the cell has no block. */
  #class: Uint8Array = new Uint8Array(64);
  #distinct: Uint32Array = new Uint32Array(64);
  #flags: Uint8Array = new Uint8Array(64);
  #participations: Float64Array = new Float64Array(64);
  #cells = 0;
  // Blocks.
  readonly #chunkLog: number;
  readonly #chunkMask: number;
  /** The size class of the table an exact cell reaches at the threshold: no table is larger. */
  readonly #largestClass: number;
  #chunks: Uint32Array[] = [];
  /** Byte views of the chunks, for sketches' registers. */
  #chunkBytes: Uint8Array[] = [];
  /** The first word never used (blocks come from free lists first). */
  #top = 0;
  /** Free block offsets by size class (see {@link SKETCH_LIST}). */
  #free: number[][] = [];
  /** By cell, then person: the participations of members whose byte says {@link MANY}. */
  #many = new Map<number, Map<number, number>>();
  /**
   * Words no block uses that no free list holds: what {@link pack} cut from the end of a table, and packed
   * blocks given up (their sizes are their members', no class's). {@link compact} takes them back.
   */
  #garbage = 0;
  /** Packed tables made open again to take a new member or lose one (see {@link pack}). */
  #thaws = 0;
  /** {@link pack}'s scratch: a table's keys, days and participations bytes. */
  #packKeys = new Uint32Array(0);
  #packDays = new Uint32Array(0);
  #packTimes = new Uint8Array(0);

  constructor(hashes: Hashes, options: PeopleArenaOptions = {}) {
    const threshold = options.threshold ?? PEOPLE_SET_DEFAULT_THRESHOLD;
    if (!(Number.isInteger(threshold) && threshold >= 0 && threshold <= 0xffffffff)) {
      throw new RangeError(`PeopleArena threshold must be an integer from 0 to 2^32 - 1, got ${threshold}`);
    }
    this.threshold = threshold;
    this.precision = options.precision ?? HLL_DEFAULT_PRECISION;
    hyperLogLogError(this.precision);
    this.#hashes = hashes;
    // The largest block is the table an exact cell reaches at the threshold, or a sketch's registers.
    let largest = MIN_TABLE_CLASS;
    while (largest - MIN_TABLE_CLASS < LAST_CLASS && threshold * 8 > slotsOf(largest) * 7) largest++;
    this.#largestClass = largest;
    if (threshold * 8 > slotsOf(largest) * 7)
      throw new RangeError(`PeopleArena threshold ${threshold} needs tables too large to hold`);
    const tableLog = Math.ceil(Math.log2(tableWords(slotsOf(largest))));
    this.#chunkLog = Math.max(options.chunkLog ?? 22, tableLog, this.precision - 2);
    if (this.#chunkLog > 31)
      throw new RangeError(`PeopleArena threshold ${threshold} needs blocks too large to hold`);
    this.#chunkMask = 2 ** this.#chunkLog - 1;
  }

  /** The number of cells created. */
  get cells(): number {
    return this.#cells;
  }

  /** Creates an empty, exact cell and returns its id. */
  create(): number {
    const id = this.#cells;
    const size = id + 1;
    this.#offset = grown(this.#offset, size, (n) => new Uint32Array(n));
    this.#class = grown(this.#class, size, (n) => new Uint8Array(n));
    this.#distinct = grown(this.#distinct, size, (n) => new Uint32Array(n));
    this.#flags = grown(this.#flags, size, (n) => new Uint8Array(n));
    this.#participations = grown(this.#participations, size, (n) => new Float64Array(n));
    this.#cells = size;
    return id;
  }

  isExact(cell: number): boolean {
    return this.#class[cell] !== SKETCH;
  }

  isStale(cell: number): boolean {
    return (this.#flags[cell]! & FLAG_STALE) !== 0;
  }

  /** Whether an exact cell knows each member's days exactly (see {@link forEachOnDays}). */
  hasDays(cell: number): boolean {
    return this.#class[cell] !== SKETCH && (this.#flags[cell]! & FLAG_LOOSE) === 0;
  }

  /** Participations ("lượt") recorded: exact in both modes. */
  participations(cell: number): number {
    return this.#participations[cell]!;
  }

  /** The cell's distinct people: exact, or a sketch's estimate with its error. */
  size(cell: number): PeopleSize {
    if (this.#class[cell] !== SKETCH) return { value: this.#distinct[cell]!, exact: true, stale: false };
    return {
      value: Math.round(
        estimateRegisters(this.#registerBytes(cell), this.#registerBase(cell), this.precision),
      ),
      exact: false,
      relativeError: hyperLogLogError(this.precision),
      stale: this.isStale(cell),
    };
  }

  /**
   * Records `times` participations of a person on `day` of the month (0–30; {@link NO_DAY} when unknown,
   * which makes the cell's days loose); true when they joined the cell's exact members (false when they were
   * a member already, and for a sketch, which cannot tell).
   */
  add(cell: number, person: number, times = 1, day = NO_DAY): boolean {
    const cls = this.#class[cell]!;
    if (cls === SKETCH) {
      this.#participations[cell]! += times;
      this.#addToSketch(cell, person);
      return false;
    }
    // Unknown, the day widens the member's days to the whole month.
    const days = day === NO_DAY ? ALL_DAYS : 1 << day;
    const key = person + 1;
    if (isPackedClass(cls)) {
      this.#open(cell, 1);
      return this.add(cell, person, times, day);
    }
    const slot = cls === 0 ? -1 : this.#find(cell, key);
    const slots = slotsOf(this.#class[cell]!);
    const byte = slot < 0 ? -1 : this.#timesByte(cell, slot);
    const had = slot < 0 ? 0 : this.#timesAt(cell, byte, key);
    if (had + times > MAX_TIMES)
      throw new RangeError(`person ${person} would have more than ${MAX_TIMES} participations in one cell`);
    this.#participations[cell]! += times;
    if (day === NO_DAY) this.#flags[cell]! |= FLAG_LOOSE;
    if (slot >= 0) {
      const pool = this.#chunkOf(cell);
      pool[slot + slots] = pool[slot + slots]! | days;
      this.#setTimes(cell, byte, key, had + times);
      return false;
    }
    const distinct = this.#distinct[cell]!;
    if (distinct >= this.threshold) {
      this.#toSketch(cell);
      this.#addToSketch(cell, person);
      return false;
    }
    // Grow at 7/8 full: a probe of a small table stays within a cache line or two.
    if (cls === 0 || (distinct + 1) * 8 > slotsOf(cls) * 7)
      this.#resize(cell, cls === 0 ? MIN_TABLE_CLASS : cls + 1);
    this.#insert(cell, key, days, times);
    this.#distinct[cell] = distinct + 1;
    return true;
  }

  /**
   * Takes back one participation, made on `day` of the month (0–30; {@link NO_DAY} when unknown); at zero the
   * person leaves the cell, and the answer is true. A sketch cannot forget, so there the cell becomes stale.
   * A member who stays keeps the day unless it is known to be free now — all their participations were one a
   * day — and otherwise the cell's days become loose, unless the member took part on that day only. Removing
   * a person an exact cell does not hold is a projection bug and throws.
   */
  remove(cell: number, person: number, day = NO_DAY): boolean {
    if (this.#class[cell] === SKETCH) {
      this.#flags[cell]! |= FLAG_STALE;
      this.#participations[cell]! -= 1;
      return false;
    }
    let slot = this.#class[cell] === 0 ? -1 : this.#find(cell, person + 1);
    if (slot < 0)
      throw new RangeError(`cannot remove person ${person}: they have no participation in this cell`);
    if (isPackedClass(this.#class[cell]!)) {
      this.#open(cell, 0);
      slot = this.#find(cell, person + 1);
    }
    this.#participations[cell]! -= 1;
    const times = this.#timesAt(cell, this.#timesByte(cell, slot), person + 1);
    const pool = this.#chunkOf(cell);
    const slots = slotsOf(this.#class[cell]!);
    const byte = this.#timesByte(cell, slot);
    if (times > 1) {
      const days = pool[slot + slots]!;
      this.#setTimes(cell, byte, person + 1, times - 1);
      // One participation a day: the day taken back is free now. Else it is known only if it was the only one.
      if (day !== NO_DAY && countDays(days) === times) pool[slot + slots] = days & ~(1 << day);
      else if ((days & (days - 1)) !== 0) this.#flags[cell]! |= FLAG_LOOSE;
      return false;
    }
    this.#deleteSlot(cell, slot);
    this.#distinct[cell]! -= 1;
    // A cell emptied (its unit's history moved elsewhere, say) gives its block back.
    if (this.#distinct[cell] === 0) this.#release(cell);
    return true;
  }

  /** An exact cell's distinct people, or -1 for a sketch: a count that needs no estimate. */
  members(cell: number): number {
    return this.#class[cell] === SKETCH ? -1 : this.#distinct[cell]!;
  }

  /** Empties a cell into a sketch with no one in it: for a cell that only ever holds a union of others. */
  resetToSketch(cell: number): void {
    this.#release(cell);
    this.#toSketch(cell);
  }

  /**
   * Adds the people of `from`, another cell of this arena, to `into`, a sketch, without their
   * participations: for a sketch that says who took part, not how often. A stale `from` makes `into` stale.
   */
  unionInto(into: number, from: number): void {
    if (this.#class[into] !== SKETCH) throw new RangeError('unionInto needs a sketch cell to add to');
    const base = this.#registerBase(into);
    if (this.#class[from] !== SKETCH) {
      const bytes = this.#registerBytes(into);
      this.forEachMember(from, (_, __, hash) => {
        addToRegisters(bytes, base, this.precision, hash);
      });
      return;
    }
    const target = this.#registerBytes(into).subarray(base, base + 2 ** this.precision);
    maxRegisters(target, this.#registerBytes(from), this.#registerBase(from));
    if (this.isStale(from)) this.markStale(into);
  }

  /** Marks a sketch stale: someone left the set it summarises, and it cannot forget them. */
  markStale(cell: number): void {
    if (this.#class[cell] !== SKETCH) throw new RangeError('only a sketch cell can be stale');
    this.#flags[cell]! |= FLAG_STALE;
  }

  /** Calls `visit` for each member of an exact cell (in table order) with their participations and hash. */
  forEachMember(cell: number, visit: (person: number, times: number, hash32: number) => void): void {
    const cls = this.#class[cell]!;
    if (cls === SKETCH) throw new RangeError('forEachMember needs an exact cell; this one is a sketch');
    if (cls === 0) return;
    if (isPackedClass(cls)) {
      const hashes = this.#hashes();
      this.#forEachPacked(cell, (key, _, times) => {
        visit(key - 1, times < MANY ? times : this.#manyTimes(cell, key - 1), hashes[key - 1]!);
      });
      return;
    }
    const pool = this.#chunkOf(cell);
    const bytes = this.#chunkBytesOf(cell);
    const hashes = this.#hashes();
    const start = this.#offset[cell]! & this.#chunkMask;
    const slots = slotsOf(this.#class[cell]!);
    const timesAt = timesBase(start, slots);
    for (let at = start; at < start + slots; at++) {
      const key = pool[at]!;
      if (key === 0) continue;
      const times = bytes[timesAt + at]!;
      visit(key - 1, times < MANY ? times : this.#manyTimes(cell, key - 1), hashes[key - 1]!);
    }
  }

  /**
   * Calls `visit` with each member of an exact cell whose days are trusted (see {@link hasDays}) and the days
   * of the month they took part on (see {@link ALL_DAYS}).
   */
  forEachMemberDays(cell: number, visit: (person: number, days: number) => void): void {
    const cls = this.#daysClass(cell);
    if (cls === 0) return;
    if (isPackedClass(cls)) {
      this.#forEachPacked(cell, (key, days) => visit(key - 1, days));
      return;
    }
    const pool = this.#chunkOf(cell);
    const start = this.#offset[cell]! & this.#chunkMask;
    const slots = slotsOf(this.#class[cell]!);
    for (let at = start; at < start + slots; at++) {
      const key = pool[at]!;
      if (key !== 0) visit(key - 1, pool[at + slots]!);
    }
  }

  /**
   * Makes a loose exact cell's days true again: `feed` reports the days of everything the cell holds — each
   * participation as (person, its day's bit), or each member of the cells it is the union of as (person,
   * their days) — and each member's days become what was reported for them. True when every member was
   * reported (the cell's days are trusted again); false, leaving them loose and the whole month, when one
   * was not (the parts disagree with the cell), and for a sketch.
   */
  restoreDays(cell: number, feed: (note: (person: number, days: number) => void) => void): boolean {
    if (isPackedClass(this.#class[cell]!)) this.#open(cell, 0);
    const cls = this.#class[cell]!;
    if (cls === SKETCH) return false;
    if (cls !== 0) {
      const pool = this.#chunkOf(cell);
      const start = this.#offset[cell]! & this.#chunkMask;
      const slots = slotsOf(this.#class[cell]!);
      pool.fill(0, start + slots, start + 2 * slots);
      feed((person, days) => {
        const slot = this.#find(cell, person + 1);
        if (slot >= 0) pool[slot + slots] = pool[slot + slots]! | days;
      });
      let complete = true;
      for (let at = start; at < start + slots; at++) {
        if (pool[at] === 0 || pool[at + slots] !== 0) continue;
        complete = false;
        pool[at + slots] = ALL_DAYS;
      }
      if (!complete) {
        this.#flags[cell]! |= FLAG_LOOSE;
        return false;
      }
    }
    this.#flags[cell]! &= ~FLAG_LOOSE;
    return true;
  }

  /**
   * Calls `visit` for each member of an exact cell with days (see {@link hasDays}) who took part on one of
   * the days of the month in `days` (see {@link ALL_DAYS}: a week inside the month, its first days, its
   * last). Returns how many were visited.
   */
  forEachOnDays(
    cell: number,
    days: number,
    visit: ((person: number, hash32: number) => void) | null,
  ): number {
    const cls = this.#daysClass(cell);
    if (cls === 0) return 0;
    const hashes = this.#hashes();
    if (isPackedClass(cls)) {
      let visited = 0;
      this.#forEachPacked(cell, (key, on) => {
        if ((on & days) === 0) return;
        visited++;
        visit?.(key - 1, hashes[key - 1]!);
      });
      return visited;
    }
    const pool = this.#chunkOf(cell);
    const start = this.#offset[cell]! & this.#chunkMask;
    const slots = slotsOf(this.#class[cell]!);
    let n = 0;
    for (let at = start; at < start + slots; at++) {
      const key = pool[at]!;
      if (key === 0 || (pool[at + slots]! & days) === 0) continue;
      n++;
      visit?.(key - 1, hashes[key - 1]!);
    }
    return n;
  }

  /**
   * Marks an exact cell's members in a bitmap over the registry (see {@link markKeys}): all of them, or with
   * `days` those {@link forEachOnDays} visits — the exact union of the people of some days of a month, from
   * the cells, without the participation logs.
   */
  markInto(cell: number, marks: UnionMarks, days = ALL_DAYS): number {
    const cls = days < ALL_DAYS ? this.#daysClass(cell) : this.#class[cell]!;
    if (cls === SKETCH) throw new RangeError('markInto needs an exact cell; this one is a sketch');
    if (cls === 0) return 0;
    const pool = this.#chunkOf(cell);
    const start = this.#offset[cell]! & this.#chunkMask;
    if (cls === PACKED && days >= ALL_DAYS) {
      // Everyone: the keys alone, as a table's are read.
      return markKeys(pool, start + 1, start + 1 + this.#distinct[cell]!, 1, marks);
    }
    if (isPackedClass(cls)) return this.#markPacked(cell, marks, days);
    const slots = slotsOf(this.#class[cell]!);
    return markKeys(pool, start, start + slots, 1, marks, days, slots);
  }

  /** Folds a sketch cell's registers into `target` (of the same precision). */
  mergeSketchInto(cell: number, target: HyperLogLog): void {
    if (this.#class[cell] !== SKETCH) throw new RangeError('mergeSketchInto needs a sketch cell');
    target.mergeRegisters(this.#registerBytes(cell), this.#registerBase(cell));
  }

  /** Replaces the cell's content with `source`'s: how a stale cell takes its rebuilt value. */
  assign(cell: number, source: PeopleSource): void {
    if (source.precision !== this.precision) {
      throw new RangeError(`cannot assign a p=${source.precision} set to a p=${this.precision} arena`);
    }
    this.#release(cell);
    if (source.isExact) {
      source.forEachMember((person, times) => this.add(cell, person, times));
    } else {
      this.#toSketch(cell);
      source.writeRegisters(this.#registerBytes(cell), this.#registerBase(cell));
      this.#participations[cell] = source.participations;
      if (source.isStale) this.#flags[cell]! |= FLAG_STALE;
    }
  }

  /**
   * A read-only view of one cell, for unions alongside free-standing sets: the whole cell, or with `days` the
   * members {@link forEachOnDays} visits (an exact cell with days only).
   */
  source(cell: number, days = ALL_DAYS): PeopleSource {
    if (days >= ALL_DAYS) return new ArenaCell(this, cell);
    this.#daysClass(cell);
    return new ArenaDays(this, cell, days);
  }

  /**
   * Packs an exact cell's open table: its members' keys ascending, end to end, then a byte of each one's
   * day and one of their participations in the same order, in the words where the table began — no empty
   * slot (see {@link PACKED}). An open table is 7/8 full at most and grown a fifth at a time, so at 10M a
   * third of the arena's table slots were empty; and 99% of the members of past months' cells took part
   * on one day of the month, which a byte says where the table spends a word. So a member takes 6 bytes
   * instead of 9 and its slack. A cell whose month is past is rarely written, and a union reads a packed
   * table's keys, fewer words, in ascending order. A member is found by a binary search; any write opens
   * the table again first ({@link add}, {@link remove}, {@link restoreDays}). The words cut from the
   * table's end are free for {@link compact} to take back. Returns them (0 for a sketch, an empty or an
   * already packed cell, and a table that packed would not be smaller).
   */
  pack(cell: number): number {
    const cls = this.#class[cell]!;
    if (cls === 0 || cls === SKETCH || isPackedClass(cls)) return 0;
    const n = this.#distinct[cell]!;
    const slots = slotsOf(cls);
    const pool = this.#chunkOf(cell);
    const bytes = this.#chunkBytesOf(cell);
    const start = this.#offset[cell]! & this.#chunkMask;
    if (this.#packKeys.length < n) {
      this.#packKeys = new Uint32Array(n);
      this.#packDays = new Uint32Array(n);
      this.#packTimes = new Uint8Array(n);
    }
    const keys = this.#packKeys.subarray(0, n);
    let k = 0;
    for (let at = start; at < start + slots; at++) if (pool[at] !== 0) keys[k++] = pool[at]!;
    keys.sort();
    const days = this.#packDays;
    const times = this.#packTimes;
    const oldTimes = timesBase(start, slots);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const at = this.#find(cell, keys[i]!);
      days[i] = pool[at + slots]!;
      times[i] = bytes[oldTimes + at]!;
      if (dayByteOf(days[i]!) === SEVERAL_DAYS) m++;
    }
    let gap = 0;
    for (let i = 1; i < n; i++) gap = Math.max(gap, keys[i]! - keys[i - 1]!);
    const packed = n >= 2 && gap < 2 ** 16 ? PACKED16 : PACKED;
    const words = packed === PACKED ? packedWords(n, m) : packed16Words(n, m);
    // Members on many days each could make it larger than the table: it stays open.
    if (words > tableWords(slots)) return 0;
    pool[start] = m;
    pool[start + 1] = keys[0]!;
    if (packed === PACKED) pool.set(keys, start + 1);
    else {
      // Gaps in byte pairs, low byte first; the last word's spare half zero, as in an open table.
      pool[start + 1 + (n >>> 1)] = 0;
      const gapAt = (start + 2) * 4;
      for (let i = 1; i < n; i++) {
        const g = keys[i]! - keys[i - 1]!;
        bytes[gapAt + 2 * (i - 1)] = g & 0xff;
        bytes[gapAt + 2 * (i - 1) + 1] = g >>> 8;
      }
    }
    const byteAt = packedByteAt(packed, start, n);
    let several = (byteAt >>> 2) + ((2 * n + 3) >>> 2);
    // The bytes' last word may have bytes past the members: zero, as in an open table.
    pool[several - 1] = 0;
    for (let i = 0; i < n; i++) {
      const day = dayByteOf(days[i]!);
      bytes[byteAt + i] = day;
      bytes[byteAt + n + i] = times[i]!;
      if (day === SEVERAL_DAYS) pool[several++] = days[i]!;
    }
    this.#class[cell] = packed;
    const cut = tableWords(slots) - words;
    this.#garbage += cut;
    return cut;
  }

  /** Whether an exact cell is packed (see {@link pack}). */
  isPacked(cell: number): boolean {
    return isPackedClass(this.#class[cell]!);
  }

  /** How many packed tables opened again to be written to (see {@link pack}). */
  get thaws(): number {
    return this.#thaws;
  }

  /**
   * Points packed cell `b` at packed cell `a`'s block when they hold the same people with the same days and
   * participations, word for word: a node's as-was and as-is cells of a month are the same set until
   * something below the node moves. Either opens into a table of its own before it is written to (see
   * {@link FLAG_SHARED}). True when they share a block (b's own words are then free for {@link compact}).
   * Not for a cell sharing already, nor one with members past {@link MANY}.
   */
  share(a: number, b: number): boolean {
    if (a === b || !isPackedClass(this.#class[a]!) || this.#class[b] !== this.#class[a]) return false;
    if (this.#offset[a] === this.#offset[b]) return true;
    const n = this.#distinct[a]!;
    if (
      this.#distinct[b] !== n ||
      this.#participations[a] !== this.#participations[b] ||
      (this.#flags[a]! & ~FLAG_SHARED) !== this.#flags[b] ||
      (this.#flags[b]! & FLAG_SHARED) !== 0 ||
      this.#many.has(a) ||
      this.#many.has(b)
    )
      return false;
    const words = this.#packedWords(a);
    if (this.#packedWords(b) !== words) return false;
    const poolA = this.#chunkOf(a);
    const poolB = this.#chunkOf(b);
    const startA = this.#offset[a]! & this.#chunkMask;
    const startB = this.#offset[b]! & this.#chunkMask;
    for (let i = 0; i < words; i++) if (poolA[startA + i] !== poolB[startB + i]) return false;
    this.#garbage += words;
    this.#offset[b] = this.#offset[a]!;
    this.#flags[a]! |= FLAG_SHARED;
    this.#flags[b]! |= FLAG_SHARED;
    return true;
  }

  /** Whether a cell was given another's block by {@link share} and has not been written to since. */
  isShared(cell: number): boolean {
    return (this.#flags[cell]! & FLAG_SHARED) !== 0;
  }

  /**
   * Opens a packed cell into a table of its own with room for `more` members (unless it holds the
   * threshold's), for a write; a block it shared stays with the other cell.
   */
  #open(cell: number, more: number): void {
    this.#resize(cell, Math.min(classFor(this.#distinct[cell]! + more), this.#largestClass));
  }

  /** A packed cell's words (see {@link PACKED}, {@link PACKED16}). */
  #packedWords(cell: number): number {
    const n = this.#distinct[cell]!;
    const m = this.#chunkOf(cell)[this.#offset[cell]! & this.#chunkMask]!;
    return this.#class[cell] === PACKED ? packedWords(n, m) : packed16Words(n, m);
  }

  /** Calls `visit` with each member of a packed cell, in key order: key, days of the month, participations byte. */
  #forEachPacked(cell: number, visit: (key: number, days: number, times: number) => void): void {
    this.#decodePacked(this.#offset[cell]!, this.#class[cell]!, this.#distinct[cell]!, visit);
  }

  /** {@link #forEachPacked} for the packed block of class `cls` and `n` members at pool offset `offset`. */
  #decodePacked(
    offset: number,
    cls: number,
    n: number,
    visit: (key: number, days: number, times: number) => void,
  ): void {
    const pool = this.#chunks[offset >>> this.#chunkLog]!;
    const bytes = this.#chunkBytes[offset >>> this.#chunkLog]!;
    const start = offset & this.#chunkMask;
    const byteAt = packedByteAt(cls, start, n);
    let several = (byteAt >>> 2) + ((2 * n + 3) >>> 2);
    const gapAt = (start + 2) * 4 - 2;
    let key = pool[start + 1]!;
    for (let i = 0; i < n; i++) {
      if (cls === PACKED) key = pool[start + 1 + i]!;
      else if (i > 0) key += bytes[gapAt + 2 * i]! | (bytes[gapAt + 2 * i + 1]! << 8);
      const day = bytes[byteAt + i]!;
      visit(key, day === SEVERAL_DAYS ? pool[several++]! : 1 << day, bytes[byteAt + n + i]!);
    }
  }

  /**
   * {@link markInto} for a packed cell's members on one of `days` (all of them with {@link ALL_DAYS}; see
   * {@link markKeys}). A pass of its own, decoding and marking together and skipping the days when all are
   * asked: unpacked into a scratch and then marked by `markKeys`, the 10M bench's people kinds' p50 rose
   * by a third (e149cfc, reverted).
   */
  #markPacked(cell: number, marks: UnionMarks, days: number): number {
    const n = this.#distinct[cell]!;
    const cls = this.#class[cell]!;
    const pool = this.#chunkOf(cell);
    const bytes = this.#chunkBytesOf(cell);
    const start = this.#offset[cell]! & this.#chunkMask;
    const byteAt = packedByteAt(cls, start, n);
    let several = (byteAt >>> 2) + ((2 * n + 3) >>> 2);
    const gapAt = (start + 2) * 4 - 2;
    const all = days >= ALL_DAYS;
    marks.reserve(n);
    const { seen, marked, registrySize } = marks;
    const before = marks.length;
    let count = before;
    let key = pool[start + 1]!;
    for (let i = 0; i < n; i++) {
      if (cls === PACKED) key = pool[start + 1 + i]!;
      else if (i > 0) key += bytes[gapAt + 2 * i]! | (bytes[gapAt + 2 * i + 1]! << 8);
      if (!all) {
        const day = bytes[byteAt + i]!;
        const on = day === SEVERAL_DAYS ? pool[several++]! : 1 << day;
        if ((on & days) === 0) continue;
      }
      const index = key - 1;
      if (index >= registrySize) {
        marks.length = count;
        throw new RangeError(`person index ${index} is not in the registry (size ${registrySize})`);
      }
      const word = index >>> 5;
      const bit = 1 << (index & 31);
      const w = seen[word]!;
      if ((w & bit) !== 0) continue;
      seen[word] = w | bit;
      marked[count++] = index;
    }
    marks.length = count;
    return count - before;
  }

  /**
   * Cuts the per-cell arrays to the cells there are when growing by half left at least `fromBytes` of them
   * unused (and some), for a server to call when idle. Returns the bytes given back.
   */
  trim(fromBytes = 0): number {
    const n = this.#cells;
    const unused = (this.#offset.length - n) * CELL_BYTES;
    if (unused === 0 || unused < fromBytes) return 0;
    this.#offset = this.#offset.slice(0, n);
    this.#class = this.#class.slice(0, n);
    this.#distinct = this.#distinct.slice(0, n);
    this.#flags = this.#flags.slice(0, n);
    this.#participations = this.#participations.slice(0, n);
    return unused;
  }

  /** Bytes held (cell records and the whole pool, free blocks included), for memory accounting. */
  get byteLength(): number {
    let bytes = this.#offset.length * CELL_BYTES;
    for (const chunk of this.#chunks) bytes += chunk.byteLength;
    return bytes;
  }

  /**
   * Words of the pool: `used` up to its end (free blocks included), `free` in blocks on the free lists. A
   * block freed by a table that grew, or by a cell emptied, is reused only by a block of its own class.
   */
  get pool(): { used: number; free: number } {
    let free = 0;
    this.#free.forEach((list, sizeClass) => {
      if (list !== undefined) free += list.length * this.#words(sizeClass);
    });
    return { used: this.#top, free: free + this.#garbage };
  }

  /**
   * Slides every cell's block down over the free ones, in pool order and in place, and lets go of the chunks
   * left empty (and the last one's unused half or more); returns the words given back (the pool's free words,
   * the words {@link pack} cut, and what the chunks' ends lost). A block
   * only ever moves to a lower offset (it never straddles chunks, so one that does not fit the rest of a
   * chunk goes to the start of the next, which is still at or below where it lay), so no block is written
   * over before it is moved, and no second pool is needed: at 10M the pool is 850 MB, a fifth of it free
   * after the fold (tables that grew leave their old block to a list only their own class reuses).
   */
  compact(): number {
    const before = this.#top;
    const size = 2 ** this.#chunkLog;
    const log = this.#chunkLog;
    const chunkCount = this.#chunks.length;
    const n = this.#cells;
    // The cells with blocks, grouped by chunk (a counting sort), then in offset order within each chunk.
    const starts = new Int32Array(chunkCount + 1);
    for (let cell = 0; cell < n; cell++)
      if (this.#class[cell] !== 0) starts[(this.#offset[cell]! >>> log) + 1]!++;
    for (let c = 0; c < chunkCount; c++) starts[c + 1]! += starts[c]!;
    const byChunk = new Int32Array(starts[chunkCount]!);
    const fill = starts.slice(0, chunkCount);
    for (let cell = 0; cell < n; cell++) {
      if (this.#class[cell] !== 0) byChunk[fill[this.#offset[cell]! >>> log]!++] = cell;
    }
    let top = 0;
    // Cells sharing a block (see share) come together in offset order: the block moves once, and a block
    // no other cell points at any longer is no longer marked shared.
    let first = -1;
    let firstFrom = -1;
    let alone = true;
    const endGroup = () => {
      if (first >= 0 && alone) this.#flags[first]! &= ~FLAG_SHARED;
    };
    for (let c = 0; c < chunkCount; c++) {
      const cells = byChunk.subarray(starts[c]!, starts[c + 1]!);
      firstFrom = -1;
      for (const cell of this.#inOffsetOrder(cells)) {
        const from = this.#offset[cell]! & this.#chunkMask;
        if (from === firstFrom) {
          this.#offset[cell] = this.#offset[first]!;
          alone = false;
          continue;
        }
        endGroup();
        first = cell;
        firstFrom = from;
        alone = true;
        const words = this.#blockWordsOf(cell);
        top = this.#place(top, words);
        const to = top & this.#chunkMask;
        const target = this.#chunkWithRoom(top >>> log, to + words);
        if (top >>> log === c) {
          if (to !== from) target.copyWithin(to, from, from + words);
        } else target.set(this.#chunks[c]!.subarray(from, from + words), to);
        this.#offset[cell] = top;
        top += words;
      }
    }
    endGroup();
    const kept = top === 0 ? 0 : ((top - 1) >>> log) + 1;
    this.#chunks.length = kept;
    this.#chunkBytes.length = kept;
    const last = this.#chunks[kept - 1];
    const end = top - (kept - 1) * size;
    if (last !== undefined && end * 2 <= last.length) {
      // A last chunk at most half used is cut to its blocks (it grows again by doubling, as a restored one
      // does): at 10M a chunk is 16 MiB, every page of it written before the compaction.
      this.#chunks[kept - 1] = last.slice(0, end);
      this.#chunkBytes[kept - 1] = byteView(this.#chunks[kept - 1]!);
    } else {
      // New blocks come from the top zeroed, as a fresh pool's are: clear what the moved blocks left there.
      last?.fill(0, end);
    }
    this.#top = top;
    this.#free = [];
    this.#garbage = 0;
    return before - top;
  }

  /**
   * Words of a block by the size class a cell records (0: no block; {@link SKETCH}: registers); -1 for a
   * class no cell of this arena can have (below {@link MIN_TABLE_CLASS}, or past the threshold's table).
   */
  #blockWords(): Int32Array {
    return Int32Array.from({ length: 256 }, (_, cls) =>
      cls === 0
        ? 0
        : cls === SKETCH
          ? this.#words(SKETCH_LIST)
          : cls < MIN_TABLE_CLASS || cls > this.#largestClass
            ? -1
            : this.#words(cls),
    );
  }

  /**
   * `cells`, all with blocks in one chunk, ordered by their blocks' offsets (which differ but for cells
   * sharing a block: those come together).
   */
  #inOffsetOrder(cells: Int32Array): Int32Array {
    // The offsets sorted as numbers; each cell then goes where its offset ranks (a binary search), or the
    // next place after it that a cell sharing its block has not taken.
    const offsets = new Uint32Array(cells.length);
    for (let i = 0; i < cells.length; i++) offsets[i] = this.#offset[cells[i]!]! & this.#chunkMask;
    offsets.sort();
    const ordered = new Int32Array(cells.length).fill(-1);
    for (const cell of cells) {
      const offset = this.#offset[cell]! & this.#chunkMask;
      let lo = 0;
      let hi = offsets.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (offsets[mid]! < offset) lo = mid + 1;
        else hi = mid;
      }
      while (ordered[lo] !== -1) lo++;
      ordered[lo] = cell;
    }
    return ordered;
  }

  /** Where a block of `words` goes at or after pool offset `top`: a block never straddles two chunks. */
  #place(top: number, words: number): number {
    const size = 2 ** this.#chunkLog;
    return (top & this.#chunkMask) + words > size ? ((top >>> this.#chunkLog) + 1) * size : top;
  }

  /**
   * Chunk c (made if missing), grown until it holds `end` words. Chunks start small and double up to their
   * full size, so a small engine holds kilobytes, not 16 MiB; a restored chunk, which ends where its used
   * words ended, grows the same way.
   */
  #chunkWithRoom(c: number, end: number): Uint32Array {
    const chunk = this.#chunks[c];
    if (chunk !== undefined && chunk.length >= end) return chunk;
    const size = 2 ** this.#chunkLog;
    const next = new Uint32Array(
      Math.min(size, Math.max(end, (chunk?.length ?? 0) * 2, Math.min(1024, size / 8))),
    );
    if (chunk) next.set(chunk);
    this.#chunks[c] = next;
    this.#chunkBytes[c] = byteView(next);
    return next;
  }

  /**
   * The arena's arrays for a checkpoint, with the pool compacted: each cell's block copied end to end in
   * cell order, free blocks left out (at 10M a fifth of the pool's words), so a restore starts with none.
   * The arena itself is not changed.
   */
  exportState(): PeopleArenaState {
    const n = this.#cells;
    const size = 2 ** this.#chunkLog;
    const offset = new Uint32Array(n);
    const blockWords = (cell: number) => this.#blockWordsOf(cell);
    // First the new offsets (a block never straddles chunks), then the chunks, each cut where its blocks end.
    // A block cells share (see share) is written once.
    let top = 0;
    const lengths: number[] = [];
    const shared = new Map<number, number>();
    for (let cell = 0; cell < n; cell++) {
      const words = blockWords(cell);
      if (words === 0) continue;
      if ((this.#flags[cell]! & FLAG_SHARED) !== 0) {
        const to = shared.get(this.#offset[cell]!);
        if (to !== undefined) {
          offset[cell] = to;
          continue;
        }
      }
      top = this.#place(top, words);
      if ((this.#flags[cell]! & FLAG_SHARED) !== 0) shared.set(this.#offset[cell]!, top);
      offset[cell] = top;
      lengths[Math.floor(top / size)] = (top & this.#chunkMask) + words;
      top += words;
    }
    const chunks = Array.from(lengths, (length) => new Uint32Array(length));
    for (let cell = 0; cell < n; cell++) {
      const words = blockWords(cell);
      if (words === 0) continue;
      const from = this.#offset[cell]! & this.#chunkMask;
      const to = offset[cell]!;
      chunks[Math.floor(to / size)]!.set(
        this.#chunkOf(cell).subarray(from, from + words),
        to & this.#chunkMask,
      );
    }
    return {
      threshold: this.threshold,
      precision: this.precision,
      offset,
      class: this.#class.slice(0, n),
      distinct: this.#distinct.slice(0, n),
      flags: this.#flags.slice(0, n),
      participations: this.#participations.slice(0, n),
      chunkLog: this.#chunkLog,
      chunks,
      free: [],
      many: this.#exportMany(),
    };
  }

  /** The overflow as (cell, person, participations) triples, in cell order. */
  #exportMany(): Uint32Array {
    let n = 0;
    for (const people of this.#many.values()) n += people.size;
    const out = new Uint32Array(n * 3);
    let i = 0;
    for (const cell of [...this.#many.keys()].sort((a, b) => a - b)) {
      for (const [person, times] of this.#many.get(cell)!) {
        out[i++] = cell;
        out[i++] = person;
        out[i++] = times;
      }
    }
    return out;
  }

  /**
   * Takes over arrays written by {@link exportState}: they are kept, not copied (they may be views of a
   * checkpoint's bytes), after checking that they fit together.
   */
  importState(state: PeopleArenaState): void {
    const fail = (why: string): never => {
      throw new RangeError(`PeopleArena.importState: ${why}`);
    };
    const n = state.offset.length;
    for (const a of [state.class, state.distinct, state.flags, state.participations]) {
      if (a.length !== n) fail('cell arrays differ in length');
    }
    if (state.threshold !== this.threshold || state.precision !== this.precision) {
      fail('threshold or precision differs from this arena');
    }
    if (state.chunkLog !== this.#chunkLog)
      fail(`chunks of 2^${state.chunkLog} words, expected 2^${this.#chunkLog}`);
    const size = 2 ** this.#chunkLog;
    state.chunks.forEach((chunk, i) => {
      if (chunk.length > size) fail(`chunk ${i} is longer than a chunk`);
    });
    const last = state.chunks.length - 1;
    // Blocks come from the end of the last chunk, which may have grown short of the full size.
    const top = last < 0 ? 0 : last * size + state.chunks[last]!.length;
    // Over locals and a table of block sizes by class: 1.9 million cells at 10M, checked on every restore.
    const blockWords = this.#blockWords();
    const chunkLengths = Int32Array.from(state.chunks, (chunk) => chunk.length);
    const { class: classes, offset } = state;
    const chunkLog = this.#chunkLog;
    const chunkMask = this.#chunkMask;
    const { distinct } = state;
    for (let c = 0; c < n; c++) {
      const cls = classes[c]!;
      if (cls === 0) continue;
      let words = blockWords[cls]!;
      const o = offset[c]!;
      const chunk = o >>> chunkLog;
      if (isPackedClass(cls)) {
        const n = distinct[c]!;
        if (n === 0 || n > this.threshold) fail(`cell ${c} is a packed table of ${n} members`);
        // Its first word says how many of its members took part on several days: that sizes it.
        if (chunk >= chunkLengths.length || (o & chunkMask) >= chunkLengths[chunk]!)
          fail(`cell ${c}'s block lies outside the pool`);
        const m = state.chunks[chunk]![o & chunkMask]!;
        if (m > n) fail(`cell ${c} is a packed table of ${n} members, ${m} of them on several days`);
        words = cls === PACKED ? packedWords(n, m) : packed16Words(n, m);
      }
      if (words < 0) fail(`cell ${c} has a table of size class ${cls}, which no table has`);
      if (chunk >= chunkLengths.length || (o & chunkMask) + words > chunkLengths[chunk]!)
        fail(`cell ${c}'s block lies outside the pool`);
    }
    state.free.forEach((list, sizeClass) => {
      if (list.length > 0 && sizeClass > 0 && (sizeClass < MIN_TABLE_CLASS || sizeClass > this.#largestClass))
        fail(`no blocks of class ${sizeClass}`);
      const words = this.#words(sizeClass);
      for (const o of list) {
        const chunk = state.chunks[o >>> this.#chunkLog];
        if (chunk === undefined || (o & this.#chunkMask) + words > chunk.length) {
          fail(`a free block of ${words} words at ${o} lies outside the pool`);
        }
      }
    });
    // The overflow is checked against the new tables, so they are taken over first and given back on a refusal.
    const before = [this.#offset, this.#class, this.#distinct, this.#flags, this.#participations] as const;
    const [cells, chunks, chunkBytes] = [this.#cells, this.#chunks, this.#chunkBytes];
    this.#offset = state.offset;
    this.#class = state.class;
    this.#distinct = state.distinct;
    this.#flags = state.flags;
    this.#participations = state.participations;
    this.#cells = n;
    this.#chunks = [...state.chunks];
    this.#chunkBytes = this.#chunks.map(byteView);
    try {
      this.#many = this.#importMany(state.many, fail);
    } catch (e) {
      [this.#offset, this.#class, this.#distinct, this.#flags, this.#participations] = before;
      [this.#cells, this.#chunks, this.#chunkBytes] = [cells, chunks, chunkBytes];
      throw e;
    }
    this.#top = top;
    this.#free = state.free.map((list) => [...list]);
    this.#garbage = 0;
  }

  /**
   * The overflow from its triples, each checked against the pool just taken over: an exact cell that holds
   * the person with a byte of {@link MANY}, and a count past it.
   */
  #importMany(triples: Uint32Array, fail: (why: string) => never): Map<number, Map<number, number>> {
    const many = new Map<number, Map<number, number>>();
    if (triples.length % 3 !== 0) fail('overflow entries are not whole triples');
    for (let i = 0; i < triples.length; i += 3) {
      const [cell, person, times] = [triples[i]!, triples[i + 1]!, triples[i + 2]!];
      const cls = cell < this.#cells ? this.#class[cell]! : 0;
      const slot = cls === 0 || cls === SKETCH ? -1 : this.#find(cell, person + 1);
      if (slot < 0) fail(`overflow entry for person ${person} in cell ${cell}, which does not hold them`);
      if (times < MANY || this.#chunkBytesOf(cell)[this.#timesByte(cell, slot)] !== MANY)
        fail(`overflow entry for person ${person} in cell ${cell} that their byte does not point to`);
      let people = many.get(cell);
      if (people === undefined) {
        people = new Map();
        many.set(cell, people);
      }
      if (people.has(person)) fail(`two overflow entries for person ${person} in cell ${cell}`);
      people.set(person, times);
    }
    return many;
  }

  /** An exact cell's size class, after checking that its members' days can be trusted. */
  #daysClass(cell: number): number {
    if (!this.hasDays(cell))
      throw new RangeError('reads of days need an exact cell whose days are not loose');
    return this.#class[cell]!;
  }

  /** The words of a block of a size class (see {@link SKETCH_LIST}). */
  #words(sizeClass: number): number {
    return sizeClass === SKETCH_LIST ? 2 ** (this.precision - 2) : tableWords(slotsOf(sizeClass));
  }

  /** The chunk holding the cell's block. */
  #chunkOf(cell: number): Uint32Array {
    return this.#chunks[this.#offset[cell]! >>> this.#chunkLog]!;
  }

  /** The byte view of the chunk holding the cell's block. */
  #chunkBytesOf(cell: number): Uint8Array {
    return this.#chunkBytes[this.#offset[cell]! >>> this.#chunkLog]!;
  }

  /** The participations of an exact cell's member whose key is `key` and byte `byte` ({@link #timesByte}). */
  #timesAt(cell: number, byte: number, key: number): number {
    const times = this.#chunkBytesOf(cell)[byte]!;
    return times < MANY ? times : this.#manyTimes(cell, key - 1);
  }

  /** Sets them: in the byte, or past {@link MANY} in the overflow, which forgets the member below it. */
  #setTimes(cell: number, at: number, key: number, times: number): void {
    const bytes = this.#chunkBytesOf(cell);
    if (times >= MANY) {
      let people = this.#many.get(cell);
      if (people === undefined) {
        people = new Map();
        this.#many.set(cell, people);
      }
      people.set(key - 1, times);
    } else if (bytes[at] === MANY) {
      const people = this.#many.get(cell)!;
      people.delete(key - 1);
      if (people.size === 0) this.#many.delete(cell);
    }
    bytes[at] = Math.min(times, MANY);
  }

  /** Where, in its chunk's bytes, the participations of the member at word `slot` of an exact cell lie. */
  #timesByte(cell: number, slot: number): number {
    const start = this.#offset[cell]! & this.#chunkMask;
    if (isPackedClass(this.#class[cell]!)) {
      const n = this.#distinct[cell]!;
      return packedByteAt(this.#class[cell]!, start, n) + n + (slot - start - 1);
    }
    return timesBase(start, slotsOf(this.#class[cell]!)) + slot;
  }

  /** A member's participations kept in the overflow (a byte of {@link MANY} without one is a bug). */
  #manyTimes(cell: number, person: number): number {
    const times = this.#many.get(cell)?.get(person);
    if (times === undefined)
      throw new RangeError(`cell ${cell} has no overflow entry for person ${person}'s participations`);
    return times;
  }

  /** Calls `fn` with the byte view holding a sketch cell's registers and their first byte. */
  /** The byte view of the chunk holding a sketch cell's registers… */
  #registerBytes(cell: number): Uint8Array {
    return this.#chunkBytes[this.#offset[cell]! >>> this.#chunkLog]!;
  }

  /** …and the registers' first byte in it. */
  #registerBase(cell: number): number {
    return (this.#offset[cell]! & this.#chunkMask) * 4;
  }

  #addToSketch(cell: number, person: number): void {
    const hash = this.#hashes()[person]!;
    addToRegisters(this.#registerBytes(cell), this.#registerBase(cell), this.precision, hash);
  }

  /** The word (within the cell's chunk) of `key`'s slot, or -1 when absent. */
  #find(cell: number, key: number): number {
    const pool = this.#chunkOf(cell);
    const cls = this.#class[cell]!;
    const start = this.#offset[cell]! & this.#chunkMask;
    if (cls === PACKED16) {
      // No binary search over gaps: a walk (a packed cell is found into only to be opened).
      let found = -1;
      let i = 0;
      this.#forEachPacked(cell, (k) => {
        if (k === key) found = start + 1 + i;
        i++;
      });
      return found;
    }
    if (cls === PACKED) {
      const last = start + 1 + this.#distinct[cell]!;
      let lo = start + 1;
      let hi = last;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (pool[mid]! < key) lo = mid + 1;
        else hi = mid;
      }
      return lo < last && pool[lo] === key ? lo : -1;
    }
    const slots = slotsOf(cls);
    const end = start + slots;
    let at = start + homeOf(key, slots);
    for (;;) {
      const k = pool[at]!;
      if (k === key) return at;
      if (k === 0) return -1;
      at++;
      if (at === end) at = start;
    }
  }

  /** Puts a member not yet in the table into it: `key` is person + 1, with their days and participations. */
  #insert(cell: number, key: number, days: number, times: number): void {
    const pool = this.#chunkOf(cell);
    const cls = this.#class[cell]!;
    const start = this.#offset[cell]! & this.#chunkMask;
    const slots = slotsOf(cls);
    const end = start + slots;
    let at = start + homeOf(key, slots);
    while (pool[at] !== 0) {
      at++;
      if (at === end) at = start;
    }
    pool[at] = key;
    pool[at + slots] = days;
    this.#setTimes(cell, timesBase(start, slots) + at, key, times);
  }

  /** Empties `slot` by shifting later members of its probe run back, so no tombstones accumulate. */
  #deleteSlot(cell: number, slot: number): void {
    const pool = this.#chunkOf(cell);
    const bytes = this.#chunkBytesOf(cell);
    const cls = this.#class[cell]!;
    const start = this.#offset[cell]! & this.#chunkMask;
    const slots = slotsOf(cls);
    const timesAt = timesBase(start, slots);
    const end = start + slots;
    let hole = slot;
    let next = slot;
    for (;;) {
      next++;
      if (next === end) next = start;
      const key = pool[next]!;
      if (key === 0) break;
      const home = start + homeOf(key, slots);
      // The entry at `next` may fill the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (stays) continue;
      pool[hole] = key;
      pool[hole + slots] = pool[next + slots]!;
      bytes[timesAt + hole] = bytes[timesAt + next]!;
      hole = next;
    }
    pool[hole] = 0;
    pool[hole + slots] = 0;
    bytes[timesAt + hole] = 0;
  }

  /** Moves an exact cell to a table of size class `cls` (see {@link MIN_TABLE_CLASS}), reinserting its members. */
  #resize(cell: number, cls: number): void {
    const oldClass = this.#class[cell]!;
    const oldOffset = this.#offset[cell]!;
    const oldWords = this.#blockWordsOf(cell);
    const offset = this.#allocate(cls);
    this.#offset[cell] = offset;
    this.#class[cell] = cls;
    if (oldClass === 0) return;
    if (isPackedClass(oldClass)) {
      // A member past MANY keeps their overflow entry: it is by cell and person, not by place.
      this.#decodePacked(oldOffset, oldClass, this.#distinct[cell]!, (key, days, times) =>
        this.#insert(cell, key, days, times < MANY ? times : this.#manyTimes(cell, key - 1)),
      );
      this.#thaws++;
      this.#dropBlock(cell, oldOffset, oldClass, oldWords);
      return;
    }
    const oldSlots = slotsOf(oldClass);
    const old = this.#chunks[oldOffset >>> this.#chunkLog]!;
    const oldBytes = this.#chunkBytes[oldOffset >>> this.#chunkLog]!;
    const oldStart = oldOffset & this.#chunkMask;
    const timesAt = timesBase(oldStart, oldSlots);
    for (let at = oldStart; at < oldStart + oldSlots; at++) {
      const key = old[at]!;
      if (key === 0) continue;
      // A member past MANY keeps their overflow entry: it is by cell and person, not by slot.
      const times = oldBytes[timesAt + at]!;
      this.#insert(cell, key, old[at + oldSlots]!, times < MANY ? times : this.#manyTimes(cell, key - 1));
    }
    this.#dropBlock(cell, oldOffset, oldClass, oldWords);
  }

  #toSketch(cell: number): void {
    const cls = this.#class[cell]!;
    const oldOffset = this.#offset[cell]!;
    const oldWords = this.#blockWordsOf(cell);
    const offset = this.#allocate(SKETCH_LIST);
    const bytes = this.#chunkBytes[offset >>> this.#chunkLog]!;
    const base = (offset & this.#chunkMask) * 4;
    const hashes = this.#hashes();
    if (isPackedClass(cls)) {
      this.#decodePacked(oldOffset, cls, this.#distinct[cell]!, (key) =>
        addToRegisters(bytes, base, this.precision, hashes[key - 1]!),
      );
      this.#dropBlock(cell, oldOffset, cls, oldWords);
    } else if (cls !== 0) {
      const old = this.#chunks[oldOffset >>> this.#chunkLog]!;
      const start = oldOffset & this.#chunkMask;
      const end = start + slotsOf(cls);
      for (let at = start; at < end; at++) {
        const key = old[at]!;
        if (key !== 0) addToRegisters(bytes, base, this.precision, hashes[key - 1]!);
      }
      this.#dropBlock(cell, oldOffset, cls, oldWords);
    }
    this.#offset[cell] = offset;
    this.#class[cell] = SKETCH;
    this.#distinct[cell] = 0;
    this.#flags[cell]! &= ~FLAG_LOOSE;
    this.#many.delete(cell);
  }

  /** Empties a cell and returns its block. */
  #release(cell: number): void {
    const cls = this.#class[cell]!;
    if (cls !== 0) this.#dropBlock(cell, this.#offset[cell]!, cls, this.#blockWordsOf(cell));
    this.#class[cell] = 0;
    this.#offset[cell] = 0;
    this.#distinct[cell] = 0;
    this.#flags[cell] = 0;
    this.#participations[cell] = 0;
    this.#many.delete(cell);
  }

  /** A zeroed block of a size class (see {@link SKETCH_LIST}), from its free list or the pool's unused end. */
  #allocate(sizeClass: number): number {
    const words = this.#words(sizeClass);
    const reused = this.#free[sizeClass]?.pop();
    if (reused !== undefined) {
      const local = reused & this.#chunkMask;
      this.#chunks[reused >>> this.#chunkLog]!.fill(0, local, local + words);
      return reused;
    }
    // At most one block's worth is lost at a chunk's end.
    const offset = this.#place(this.#top, words);
    this.#chunkWithRoom(offset >>> this.#chunkLog, (offset & this.#chunkMask) + words);
    this.#top = offset + words;
    return offset;
  }

  /**
   * Gives back the block of a cell of class `cls` of `words` (see {@link #blockWordsOf}): a table's or a
   * sketch's to its free list, a packed one's to {@link #garbage} (unless another cell may share it).
   */
  #dropBlock(cell: number, offset: number, cls: number, words: number): void {
    const shared = (this.#flags[cell]! & FLAG_SHARED) !== 0;
    this.#flags[cell]! &= ~FLAG_SHARED;
    if (!isPackedClass(cls)) this.#freeBlock(offset, cls === SKETCH ? SKETCH_LIST : cls);
    else if (!shared) this.#garbage += words;
  }

  /** The words of a cell's block (0 for none). */
  #blockWordsOf(cell: number): number {
    const cls = this.#class[cell]!;
    if (cls === 0) return 0;
    if (isPackedClass(cls)) return this.#packedWords(cell);
    return this.#words(cls === SKETCH ? SKETCH_LIST : cls);
  }

  #freeBlock(offset: number, sizeClass: number): void {
    let list = this.#free[sizeClass];
    if (list === undefined) {
      list = [];
      this.#free[sizeClass] = list;
    }
    list.push(offset);
  }

  /** For {@link ArenaCell}: copies a sketch cell's registers to `target[base…]`. */
  writeRegistersOf(cell: number, target: Uint8Array, base: number): void {
    const from = this.#registerBase(cell);
    target.set(this.#registerBytes(cell).subarray(from, from + 2 ** this.precision), base);
  }
}

const byteView = (chunk: Uint32Array): Uint8Array =>
  new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);

/** One arena cell seen as a {@link PeopleSource}. */
class ArenaCell implements PeopleSource {
  readonly #arena: PeopleArena;
  readonly #cell: number;

  constructor(arena: PeopleArena, cell: number) {
    this.#arena = arena;
    this.#cell = cell;
  }

  get precision(): number {
    return this.#arena.precision;
  }
  get isExact(): boolean {
    return this.#arena.isExact(this.#cell);
  }
  get isStale(): boolean {
    return this.#arena.isStale(this.#cell);
  }
  get participations(): number {
    return this.#arena.participations(this.#cell);
  }
  size(): PeopleSize {
    return this.#arena.size(this.#cell);
  }
  forEachMember(visit: (person: number, times: number, hash32: number) => void): void {
    this.#arena.forEachMember(this.#cell, visit);
  }
  markInto(marks: UnionMarks): number {
    return this.#arena.markInto(this.#cell, marks);
  }
  mergeSketchInto(target: HyperLogLog): void {
    this.#arena.mergeSketchInto(this.#cell, target);
  }
  writeRegisters(target: Uint8Array, base: number): void {
    this.#arena.writeRegistersOf(this.#cell, target, base);
  }
}

/**
 * The members of an exact arena cell who took part on some days of its month (see {@link
 * PeopleArena.forEachOnDays}): who, exactly, but not how often on those days.
 */
class ArenaDays extends PeopleNamed {
  protected readonly what = "a cell's members on some days";
  readonly #arena: PeopleArena;
  readonly #cell: number;
  readonly #days: number;

  constructor(arena: PeopleArena, cell: number, days: number) {
    super();
    this.#arena = arena;
    this.#cell = cell;
    this.#days = days;
  }

  get precision(): number {
    return this.#arena.precision;
  }
  size(): PeopleSize {
    return { value: this.#arena.forEachOnDays(this.#cell, this.#days, null), exact: true, stale: false };
  }
  forEachMember(visit: (person: number, times: number, hash32: number) => void): void {
    // Times are not known for some days alone; a union only asks who.
    this.#arena.forEachOnDays(this.#cell, this.#days, (p, hash) => visit(p, 1, hash));
  }
  markInto(marks: UnionMarks): number {
    return this.#arena.markInto(this.#cell, marks, this.#days);
  }
}
