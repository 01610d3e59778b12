/**
 * A sparse series of two numbers per (day, slot), sorted by key, in typed arrays. It is the storage unit of
 * every additive figure: a unit's own activity, and each node's roll-up of its descendants.
 *
 * Why sorted arrays rather than a hash map: a query over a period is one binary search and a contiguous
 * scan, and an entry costs 16 or 24 bytes instead of a Map entry's ~80. Activity arrives roughly in time
 * order, so inserts are nearly always appends; an insert in the middle shifts, which is rare and bounded by
 * the node's own series length.
 *
 * Three layouts, each for good until a value comes that it cannot hold exactly; all three answer alike:
 * - *tiny*, one word an entry, `(day × 2^8 + slot) × 2^29 + a × 2^19 + b`, while every day is in
 *   0 ≤ day < 2^16, every slot below 2^8, and every value whole with 0 ≤ a < 2^10 and 0 ≤ b < 2^19 (under
 *   2^53, so exact; the word's order is the key's) — a unit's activity of a day, and most month roll-ups;
 * - *narrow*, (key, a × 2^32 + b) pairs, while every value is whole with 0 ≤ a < 2^21 and 0 ≤ b < 2^32 —
 *   activity counts and turns of large subtrees;
 * - *wide*, (key, a, b) triples, for anything else (a stock's negative steps, an as-is split's fractional
 *   shares).
 * A series starts tiny and widens a step at a time. At 10M the series held 14 million entries, 16 bytes
 * each while every series was at least narrow.
 */

import { WordPool } from './word-pool.ts';

/** Slots per day in a key: `key = day * SLOT_SPACE + slot`. Float64 keys stay exact far past 2^21 slots. */
export const SLOT_SPACE = 2 ** 21;

export const keyOf = (day: number, slot: number): number => day * SLOT_SPACE + slot;
export const dayOfKey = (key: number): number => Math.floor(key / SLOT_SPACE);
export const slotOfKey = (key: number): number => key - Math.floor(key / SLOT_SPACE) * SLOT_SPACE;

/** A narrow entry's second word: `a` above 2^32, `b` below. */
const HIGH = 2 ** 32;
const INV_HIGH = 2 ** -32;
/** The bound on `a` that keeps a narrow word under 2^53, where every whole number is exact. */
const A_LIMIT = 2 ** 21;
const fitsNarrow = (a: number, b: number): boolean =>
  Number.isInteger(a) && Number.isInteger(b) && a >= 0 && a < A_LIMIT && b >= 0 && b < HIGH;
/** Words per entry by layout. */
const TINY = 1;
const NARROW = 2;
const WIDE = 3;
type Stride = typeof TINY | typeof NARROW | typeof WIDE;

const INV_SLOT_SPACE = 2 ** -21;
/** A tiny word's bounds: days, slots, and the two values (see {@link DaySeries}). */
const TINY_DAYS = 2 ** 16;
const TINY_SLOTS = 2 ** 8;
const TINY_A = 2 ** 10;
const TINY_B = 2 ** 19;
/** The place of a tiny word's key: the values take the 29 bits below it. */
const TINY_KEY = TINY_A * TINY_B;
const INV_TINY_KEY = 2 ** -29;
/** Above every tiny word (2^53). */
const TINY_END = TINY_DAYS * TINY_SLOTS * TINY_KEY;
const fitsTiny = (a: number, b: number): boolean =>
  Number.isInteger(a) && Number.isInteger(b) && a >= 0 && a < TINY_A && b >= 0 && b < TINY_B;
/** A tiny word's key part (`day × 2^8 + slot`, below 2^24). */
const tinyKeyOf = (w: number): number => Math.floor(w * INV_TINY_KEY);
/** A tiny word's values part (`a × 2^19 + b`, below 2^29: a small integer, so bit operations apply). */
const tinyValuesOf = (w: number): number => w - tinyKeyOf(w) * TINY_KEY;
/** The first and second value of a tiny word's values part. */
const tinyA = (v: number): number => v >>> 19;
const tinyB = (v: number): number => v & (TINY_B - 1);
/** The key a tiny word's key part stands for. */
const keyOfTiny = (tk: number): number => (tk >>> 8) * SLOT_SPACE + (tk & (TINY_SLOTS - 1));
/**
 * The least tiny word of any entry whose key is at least `key` (keys are whole numbers): every entry with a
 * smaller key has a smaller word. 0 for a key at or below the first a tiny word can hold, {@link TINY_END}
 * past the last.
 */
const tinyBound = (key: number): number => {
  if (!(key > 0)) return 0;
  if (!(key < TINY_DAYS * SLOT_SPACE)) return TINY_END;
  const day = Math.floor(key * INV_SLOT_SPACE);
  const slot = key - day * SLOT_SPACE;
  return slot < TINY_SLOTS ? (day * TINY_SLOTS + slot) * TINY_KEY : (day + 1) * TINY_SLOTS * TINY_KEY;
};
/**
 * One entry's values, read and used before anything else runs: one for all series, since a typed array
 * of its own would cost each of 170,000 series at 10M some 200 bytes of headers.
 */
const SCRATCH = new Float64Array(2);
/** The words of a series made to take a checkpoint's (see {@link DaySeries.fromData}). */
const NO_WORDS = new Float64Array(0);

export class DaySeries {
  /**
   * Entries in key order, {@link TINY}, {@link NARROW} or {@link WIDE} words each, from word {@link #b} of
   * `#d` — a pool's chunk, an array of the series' own, or a checkpoint's words — in room for {@link #cap}
   * words: one run, so a scan reads one run. The array and an offset, not a view of the block: a view is an
   * object of about 100 bytes, and at 10M there were 170,000 series.
   */
  #d: Float64Array;
  #b = 0;
  #cap = 0;
  #stride: Stride = TINY;
  #length = 0;
  /** Entries whose values are both zero (a retraction's leftovers), which {@link compact} removes. */
  #zeros = 0;
  /** Where the words come from and go back to as the series grows (arrays of their own when null). */
  #pool: WordPool<Float64Array> | null;

  /** A series of no entries, with room for `capacity` tiny ones, its words taken from `pool` if given. */
  constructor(pool: WordPool<Float64Array> | null = null, capacity = 4) {
    this.#pool = pool;
    this.#d = NO_WORDS;
    if (capacity > 0) this.#take(capacity * TINY);
  }

  get length(): number {
    return this.#length;
  }

  /** Words per entry in {@link toData}: 1 while tiny, 2 while narrow, 3 once wide. */
  get stride(): Stride {
    return this.#stride;
  }

  /** How many entries hold (0, 0): kept by {@link add} (a stock's zero step still says "reported"). */
  get zeros(): number {
    return this.#zeros;
  }

  /** The largest key whose values are not both zero (NaN when none): retracted entries stay as zeros. */
  get lastLiveKey(): number {
    const d = this.#d;
    const st = this.#stride;
    for (let i = this.#b + (this.#length - 1) * st; i >= this.#b; i -= st) {
      if (st === TINY) {
        if (tinyValuesOf(d[i]!) !== 0) return keyOfTiny(tinyKeyOf(d[i]!));
      } else if (d[i + 1] !== 0 || (st === WIDE && d[i + 2] !== 0)) return d[i]!;
    }
    return Number.NaN;
  }

  /** Adds (a, b) to the entry at `key`, creating it if needed. */
  add(key: number, a: number, b: number): void {
    if (this.#stride === TINY) {
      if (this.#addTiny(key, a, b)) return;
      this.#widen();
    }
    const st = this.#stride;
    const n = this.#length;
    const d = this.#d;
    const o = this.#b;
    const last = (n - 1) * st;
    // Time-ordered logs mostly touch the last entry (the same day) or append after it.
    let i = n;
    let at = -1;
    if (n > 0 && d[o + last] === key) at = last;
    else if (n > 0 && d[o + last]! > key) {
      i = this.#lowerBound(key);
      if (i < n && d[o + i * st] === key) at = i * st;
    }
    if (at >= 0 ? !this.#update(at, a, b) : st === NARROW && !fitsNarrow(a, b)) {
      // A value the narrow layout cannot hold: widen, then add as a wide series does.
      this.#widen();
      this.add(key, a, b);
      return;
    }
    if (at >= 0) return;
    this.#ensure(n + 1);
    const base = this.#b;
    if (i < n) this.#d.copyWithin(base + i * st + st, base + i * st, base + n * st);
    this.#write(i * st, key, a, b);
    this.#length = n + 1;
    if (a === 0 && b === 0) this.#zeros += 1;
  }

  /**
   * {@link compact}s once the zero entries are at least half of the series, so each pass removes as many
   * entries as it keeps: amortised over the adds that zeroed them.
   */
  compactIfSparse(): void {
    if (this.#zeros > 0 && this.#zeros * 2 >= this.#length) this.compact();
  }

  /**
   * Removes the entries holding (0, 0), keeping the others in order, and gives back the room when most of
   * the array is then empty. A series only added to never needs it; a roll-up whose history moved to another
   * node (the as-is view after a merge or a move) is otherwise left with an entry of zeros for every cell it
   * once had.
   */
  compact(): void {
    if (this.#zeros === 0) return;
    const d = this.#d;
    const b = this.#b;
    const st = this.#stride;
    const end = b + this.#length * st;
    let to = b;
    for (let i = b; i < end; i += st) {
      if (st === TINY ? tinyValuesOf(d[i]!) === 0 : d[i + 1] === 0 && (st === NARROW || d[i + 2] === 0))
        continue;
      if (to !== i) d.copyWithin(to, i, i + st);
      to += st;
    }
    const words = to - b;
    this.#length = (words / st) | 0;
    this.#zeros = 0;
    if (this.#cap > 2 * words + 4 * st) this.#moveTo(Math.max(words, 4 * st), words);
  }

  /** The values at `key` into `out` (zeros when absent). */
  get(key: number, out: Float64Array): void {
    const i = this.#lowerBound(key);
    const st = this.#stride;
    if (i < this.#length && this.#keyAt(i * st) === key) this.#read(i * st, out);
    else {
      out[0] = 0;
      out[1] = 0;
    }
  }

  /**
   * Sums entries with `fromKey <= key <= toKey` whose slot passes `mask` (all slots when null) into `out`,
   * and returns how many entries matched.
   */
  sumRange(fromKey: number, toKey: number, mask: Uint8Array | null, out: Float64Array): number {
    if (this.#stride === TINY) return this.#sumTiny(fromKey, toKey, mask, out);
    let matched = 0;
    const d = this.#d;
    const st = this.#stride;
    const end = this.#b + this.#length * st;
    let a = 0;
    let b = 0;
    for (let i = this.#b + this.#lowerBound(fromKey) * st; i < end; i += st) {
      const k = d[i]!;
      if (k > toKey) break;
      if (mask !== null && mask[slotOfKey(k)] !== 1) continue;
      if (st === NARROW) {
        // Unpacked entry by entry: a sum of packed words would carry b into a past 2^32.
        const w = d[i + 1]!;
        const high = Math.floor(w * INV_HIGH);
        a += high;
        b += w - high * HIGH;
      } else {
        a += d[i + 1]!;
        b += d[i + 2]!;
      }
      matched += 1;
    }
    out[0]! += a;
    out[1]! += b;
    return matched;
  }

  /** Calls `fn` for each entry in the key range, in key order. */
  forEachInRange(fromKey: number, toKey: number, fn: (key: number, a: number, b: number) => void): void {
    const st = this.#stride;
    const end = this.#length * st;
    const v = SCRATCH;
    for (let i = this.#lowerBound(fromKey) * st; i < end; i += st) {
      const k = this.#keyAt(i);
      if (k > toKey) break;
      this.#read(i, v);
      const a = v[0]!;
      fn(k, a, v[1]!);
    }
  }

  /**
   * Takes its words from `pool` from now on, moving them there now if they are a block of its pool (a
   * checkpoint's view or an array of its own stays as it is): into a block of the smallest size that
   * holds them. The old pool is not given them back: it is being let go.
   */
  moveTo(pool: WordPool<Float64Array>): void {
    const used = this.#length * this.#stride;
    const at = this.#pool === null ? -1 : this.#pool.moveOutAt(this.#d, this.#b, used, pool);
    if (at >= 0) {
      this.#d = pool.carved!;
      this.#b = at;
      this.#cap = WordPool.sizeOf(Math.max(used, 4));
    }
    this.#pool = pool;
  }

  /** The entries, {@link stride} words each, as a view (for checkpoints and tests). */
  toData(): Float64Array {
    return this.#d.subarray(this.#b, this.#b + this.#length * this.#stride);
  }

  /**
   * A series over `data` as {@link toData} gives it — or over its `words` words from `base`, a checkpoint's
   * words holding many series' —, with its {@link stride} (kept, not copied), growing into `pool`'s blocks
   * if given. A tiny or narrow word that is not a whole number in its layout's range is refused.
   */
  static fromData(
    data: Float64Array,
    stride: number,
    pool: WordPool<Float64Array> | null = null,
    base = 0,
    words = data.length - base,
  ): DaySeries {
    if (stride !== TINY && stride !== NARROW && stride !== WIDE)
      throw new RangeError(`DaySeries.fromData: entries of ${stride} words (1, 2 or 3 expected)`);
    if (words % stride !== 0)
      throw new RangeError(`DaySeries.fromData: ${words} is not a whole number of entries`);
    if (!(base >= 0 && base + words <= data.length))
      throw new RangeError(`DaySeries.fromData: words ${base} to ${base + words} of ${data.length}`);
    const s = new DaySeries(pool, 0);
    s.#d = data;
    s.#b = base | 0;
    s.#cap = words;
    s.#stride = stride;
    // Small integers (a division gives a double, which V8 would box in every series: see WordPool.sizeOf).
    s.#length = (words / stride) | 0;
    for (let i = base; i < base + words; i += stride) {
      if (stride === TINY) {
        const w = data[i]!;
        if (!(Number.isInteger(w) && w >= 0 && w < TINY_END))
          throw new RangeError(`DaySeries.fromData: entry ${i - base} is ${w}, not a tiny word`);
        if (tinyValuesOf(w) === 0) s.#zeros += 1;
        continue;
      }
      const w = data[i + 1]!;
      if (stride === NARROW && !(Number.isInteger(w) && w >= 0 && w < A_LIMIT * HIGH))
        throw new RangeError(
          `DaySeries.fromData: entry ${(i - base) / stride} holds ${w}, not a narrow pair`,
        );
      if (w === 0 && (stride === NARROW || data[i + 2] === 0)) s.#zeros += 1;
    }
    return s;
  }

  /** Bytes held, for memory accounting. */
  get byteLength(): number {
    return this.#cap * 8;
  }

  /** The values of the entry at word `at` (from the series' first) into `out`. */
  #read(w: number, out: Float64Array): void {
    const d = this.#d;
    const at = this.#b + w;
    if (this.#stride === TINY) {
      const v = tinyValuesOf(d[at]!);
      out[0] = tinyA(v);
      out[1] = tinyB(v);
    } else if (this.#stride === NARROW) {
      const w = d[at + 1]!;
      const high = Math.floor(w * INV_HIGH);
      out[0] = high;
      out[1] = w - high * HIGH;
    } else {
      out[0] = d[at + 1]!;
      out[1] = d[at + 2]!;
    }
  }

  /** Writes an entry at word `at` (from the series' first): its values must fit the layout (checked by {@link add}). */
  #write(w: number, key: number, a: number, b: number): void {
    const d = this.#d;
    const at = this.#b + w;
    d[at] = key;
    if (this.#stride === NARROW) d[at + 1] = a * HIGH + b;
    else {
      d[at + 1] = a;
      d[at + 2] = b;
    }
  }

  /**
   * Adds (a, b) to the entry at word `at`, counting it in or out of the zeros; false, changing nothing, when
   * the sums do not fit a narrow series (a step that takes back what is there, whole, still fits).
   */
  #update(at: number, a: number, b: number): boolean {
    const v = SCRATCH;
    this.#read(at, v);
    const wasZero = v[0] === 0 && v[1] === 0;
    const na = v[0]! + a;
    const nb = v[1]! + b;
    if (this.#stride === NARROW && !fitsNarrow(na, nb)) return false;
    this.#write(at, this.#d[this.#b + at]!, na, nb);
    const isZero = na === 0 && nb === 0;
    if (wasZero !== isZero) this.#zeros += isZero ? 1 : -1;
    return true;
  }

  /** The key of the entry at word `at`. */
  #keyAt(at: number): number {
    const w = this.#d[this.#b + at]!;
    return this.#stride === TINY ? keyOfTiny(tinyKeyOf(w)) : w;
  }

  /**
   * {@link add} for a tiny series: false, changing nothing, when the key or the sums do not fit a tiny word
   * (the caller widens the series and adds again).
   */
  #addTiny(key: number, a: number, b: number): boolean {
    const day = Math.floor(key * INV_SLOT_SPACE);
    const slot = key - day * SLOT_SPACE;
    if (!(day >= 0 && day < TINY_DAYS && slot < TINY_SLOTS)) return false;
    const base = (day * TINY_SLOTS + slot) * TINY_KEY;
    const n = this.#length;
    const d = this.#d;
    const o = this.#b;
    let i = n;
    // As in add: mostly the last entry, or after it.
    if (n > 0 && d[o + n - 1]! >= base) {
      i = d[o + n - 1]! < base + TINY_KEY ? n - 1 : this.#lowerWord(base);
      if (i < n && d[o + i]! < base + TINY_KEY) {
        const v = d[o + i]! - base;
        const na = tinyA(v) + a;
        const nb = tinyB(v) + b;
        if (!fitsTiny(na, nb)) return false;
        d[o + i] = base + na * TINY_B + nb;
        const isZero = na === 0 && nb === 0;
        if ((v === 0) !== isZero) this.#zeros += isZero ? 1 : -1;
        return true;
      }
    }
    if (!fitsTiny(a, b)) return false;
    this.#ensure(n + 1);
    const e = this.#d;
    const ob = this.#b;
    if (i < n) e.copyWithin(ob + i + 1, ob + i, ob + n);
    e[ob + i] = base + a * TINY_B + b;
    this.#length = n + 1;
    if (a === 0 && b === 0) this.#zeros += 1;
    return true;
  }

  /** {@link sumRange} for a tiny series: its words compared with the bounds' words, decoded as summed. */
  #sumTiny(fromKey: number, toKey: number, mask: Uint8Array | null, out: Float64Array): number {
    const d = this.#d;
    const n = this.#b + this.#length;
    const end = tinyBound(Math.floor(toKey) + 1);
    let matched = 0;
    let a = 0;
    let b = 0;
    for (let i = this.#b + this.#lowerWord(tinyBound(fromKey)); i < n; i++) {
      const w = d[i]!;
      if (w >= end) break;
      const tk = tinyKeyOf(w);
      if (mask !== null && mask[tk & (TINY_SLOTS - 1)] !== 1) continue;
      const v = w - tk * TINY_KEY;
      a += tinyA(v);
      b += tinyB(v);
      matched += 1;
    }
    out[0]! += a;
    out[1]! += b;
    return matched;
  }

  /** The first entry of a tiny series whose word is at least `word`. */
  #lowerWord(word: number): number {
    const d = this.#d;
    const b = this.#b;
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (d[b + mid]! < word) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Moves every entry one layout wider (tiny to narrow, narrow to wide), for good. */
  #widen(): void {
    const n = this.#length;
    const d = this.#d;
    const b = this.#b;
    const cap = this.#cap;
    if (this.#stride === TINY) {
      const words = Math.max(n, cap) * NARROW;
      const [next, nb] = this.#alloc(words);
      for (let i = 0; i < n; i++) {
        const w = d[b + i]!;
        const v = tinyValuesOf(w);
        next[nb + i * NARROW] = keyOfTiny(tinyKeyOf(w));
        next[nb + i * NARROW + 1] = tinyA(v) * HIGH + tinyB(v);
      }
      this.#replace(next, nb, words);
      this.#stride = NARROW;
      return;
    }
    const words = Math.max(n, cap / NARROW) * WIDE;
    const [next, nb] = this.#alloc(words);
    const v = SCRATCH;
    for (let i = 0; i < n; i++) {
      this.#read(i * NARROW, v);
      next[nb + i * WIDE] = d[b + i * NARROW]!;
      next[nb + i * WIDE + 1] = v[0]!;
      next[nb + i * WIDE + 2] = v[1]!;
    }
    this.#replace(next, nb, words);
    this.#stride = WIDE;
  }

  #lowerBound(key: number): number {
    if (this.#stride === TINY) return this.#lowerWord(tinyBound(key));
    const d = this.#d;
    const b = this.#b;
    const st = this.#stride;
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (d[b + mid * st]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Makes room for `size` entries (moving the series to a larger block if it must). */
  #ensure(size: number): void {
    const st = this.#stride;
    if (size * st <= this.#cap) return;
    // A pool's sizes are growth enough (see WordPool); an array of its own grows by a quarter.
    const capacity = this.#pool !== null ? size : Math.max(size, Math.ceil((this.#cap / st) * 1.25) + 4);
    this.#moveTo(capacity * st, this.#length * st);
  }

  /** Moves the first `used` words to a new block of at least `words` words. */
  #moveTo(words: number, used: number): void {
    const [next, nb] = this.#alloc(words);
    next.set(this.#d.subarray(this.#b, this.#b + used), nb);
    this.#replace(next, nb, words);
  }

  /** Takes a block of at least `words` words for a series that holds none. */
  #take(words: number): void {
    const [d, b] = this.#alloc(words);
    this.#d = d;
    this.#b = b;
    this.#cap = this.#pool === null ? words : WordPool.sizeOf(words);
    ALLOCATED[0] = NO_WORDS;
  }

  /**
   * Words for the series (not cleared when they come from the pool: only what is written is read): the
   * array holding them and the first word there, in a scratch pair (read before the next allocation).
   */
  #alloc(words: number): readonly [Float64Array, number] {
    const out = ALLOCATED;
    if (this.#pool === null) {
      out[0] = new Float64Array(words);
      out[1] = 0;
    } else {
      out[1] = this.#pool.carve(words);
      out[0] = this.#pool.carved!;
    }
    return out;
  }

  /** Moves the series to block `base` of `next` (room for `words` asked), giving its words back to the pool. */
  #replace(next: Float64Array, base: number, words: number): void {
    this.#pool?.release(this.#d, this.#b, this.#cap);
    this.#d = next;
    this.#b = base;
    this.#cap = this.#pool === null ? words : WordPool.sizeOf(words);
    // The scratch lets go of the array: a pool's chunk held here would outlive a repack that let it go.
    ALLOCATED[0] = NO_WORDS;
  }
}

/** {@link DaySeries}'s allocation result, reused: the array and the first word of a block. */
const ALLOCATED: [Float64Array, number] = [NO_WORDS, 0];
