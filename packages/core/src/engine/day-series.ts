/**
 * A sparse series of two numbers per (day, slot), sorted by key, in typed arrays. It is the storage unit of
 * every additive figure: a unit's own activity, and each node's roll-up of its descendants.
 *
 * Why sorted arrays rather than a hash map: a query over a period is one binary search and a contiguous
 * scan, and an entry costs 16 or 24 bytes instead of a Map entry's ~80. Activity arrives roughly in time
 * order, so inserts are nearly always appends; an insert in the middle shifts, which is rare and bounded by
 * the node's own series length.
 *
 * Two layouts: *narrow*, (key, a × 2^32 + b) pairs, while every value is a whole number with 0 ≤ a < 2^21
 * and 0 ≤ b < 2^32 — activity counts and turns, which are — and *wide*, (key, a, b) triples, for anything
 * else (a stock's negative steps, an as-is split's fractional shares). A series starts narrow and widens,
 * once and for good, at the first value the narrow layout cannot hold exactly; both answer alike. At 10M
 * the series held 14 million entries: a third of their bytes was the second value's word.
 */

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
const NARROW = 2;
const WIDE = 3;
type Stride = typeof NARROW | typeof WIDE;
/**
 * One entry's values, read and used before anything else runs: one for all series, since a typed array
 * of its own would cost each of 170,000 series at 10M some 200 bytes of headers.
 */
const SCRATCH = new Float64Array(2);

export class DaySeries {
  /** Entries in key order, {@link NARROW} or {@link WIDE} words each: one array, so a scan reads one run. */
  #d: Float64Array;
  #stride: Stride = NARROW;
  #length = 0;
  /** Entries whose values are both zero (a retraction's leftovers), which {@link compact} removes. */
  #zeros = 0;

  constructor(capacity = 4) {
    this.#d = new Float64Array(capacity * NARROW);
  }

  get length(): number {
    return this.#length;
  }

  /** Words per entry in {@link toData}: 2 while narrow, 3 once wide. */
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
    for (let i = (this.#length - 1) * st; i >= 0; i -= st)
      if (d[i + 1] !== 0 || (st === WIDE && d[i + 2] !== 0)) return d[i]!;
    return Number.NaN;
  }

  /** Adds (a, b) to the entry at `key`, creating it if needed. */
  add(key: number, a: number, b: number): void {
    const st = this.#stride;
    const n = this.#length;
    let d = this.#d;
    const last = (n - 1) * st;
    // Time-ordered logs mostly touch the last entry (the same day) or append after it.
    let i = n;
    let at = -1;
    if (n > 0 && d[last] === key) at = last;
    else if (n > 0 && d[last]! > key) {
      i = this.#lowerBound(key);
      if (i < n && d[i * st] === key) at = i * st;
    }
    if (at >= 0 ? !this.#update(at, a, b) : st === NARROW && !fitsNarrow(a, b)) {
      // A value the narrow layout cannot hold: widen, then add as a wide series does.
      this.#widen();
      this.add(key, a, b);
      return;
    }
    if (at >= 0) return;
    d = this.#ensure(n + 1);
    if (i < n) d.copyWithin(i * st + st, i * st, n * st);
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
    const st = this.#stride;
    const end = this.#length * st;
    let to = 0;
    for (let i = 0; i < end; i += st) {
      if (d[i + 1] === 0 && (st === NARROW || d[i + 2] === 0)) continue;
      if (to !== i) d.copyWithin(to, i, i + st);
      to += st;
    }
    this.#length = to / st;
    this.#zeros = 0;
    if (d.length > 2 * to + 4 * st) this.#d = d.slice(0, Math.max(to, 4 * st));
  }

  /** The values at `key` into `out` (zeros when absent). */
  get(key: number, out: Float64Array): void {
    const i = this.#lowerBound(key);
    const st = this.#stride;
    if (i < this.#length && this.#d[i * st] === key) this.#read(i * st, out);
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
    let matched = 0;
    const d = this.#d;
    const st = this.#stride;
    const end = this.#length * st;
    let a = 0;
    let b = 0;
    for (let i = this.#lowerBound(fromKey) * st; i < end; i += st) {
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
    const d = this.#d;
    const st = this.#stride;
    const end = this.#length * st;
    const v = SCRATCH;
    for (let i = this.#lowerBound(fromKey) * st; i < end; i += st) {
      const k = d[i]!;
      if (k > toKey) break;
      this.#read(i, v);
      const a = v[0]!;
      fn(k, a, v[1]!);
    }
  }

  /** The entries, {@link stride} words each, as a view (for checkpoints and tests). */
  toData(): Float64Array {
    return this.#d.subarray(0, this.#length * this.#stride);
  }

  /**
   * A series over `data` as {@link toData} gives it, with its {@link stride} (kept, not copied: it may be a
   * checkpoint's view). A narrow word that is not a whole number in range is refused.
   */
  static fromData(data: Float64Array, stride: number): DaySeries {
    if (stride !== NARROW && stride !== WIDE)
      throw new RangeError(`DaySeries.fromData: entries of ${stride} words (2 or 3 expected)`);
    if (data.length % stride !== 0)
      throw new RangeError(`DaySeries.fromData: ${data.length} is not a whole number of entries`);
    const s = new DaySeries(0);
    s.#d = data;
    s.#stride = stride;
    s.#length = data.length / stride;
    for (let i = 0; i < data.length; i += stride) {
      const w = data[i + 1]!;
      if (stride === NARROW && !(Number.isInteger(w) && w >= 0 && w < A_LIMIT * HIGH))
        throw new RangeError(`DaySeries.fromData: entry ${i / stride} holds ${w}, not a narrow pair`);
      if (w === 0 && (stride === NARROW || data[i + 2] === 0)) s.#zeros += 1;
    }
    return s;
  }

  /** Bytes held, for memory accounting. */
  get byteLength(): number {
    return this.#d.byteLength;
  }

  /** The values of the entry at word `at` into `out`. */
  #read(at: number, out: Float64Array): void {
    const d = this.#d;
    if (this.#stride === NARROW) {
      const w = d[at + 1]!;
      const high = Math.floor(w * INV_HIGH);
      out[0] = high;
      out[1] = w - high * HIGH;
    } else {
      out[0] = d[at + 1]!;
      out[1] = d[at + 2]!;
    }
  }

  /** Writes an entry at word `at`: its values must fit the layout (checked by {@link add}). */
  #write(at: number, key: number, a: number, b: number): void {
    const d = this.#d;
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
    this.#write(at, this.#d[at]!, na, nb);
    const isZero = na === 0 && nb === 0;
    if (wasZero !== isZero) this.#zeros += isZero ? 1 : -1;
    return true;
  }

  /** Moves every entry to the wide layout, for good. */
  #widen(): void {
    const n = this.#length;
    const d = this.#d;
    const next = new Float64Array(Math.max(n, d.length / NARROW) * WIDE);
    const v = SCRATCH;
    for (let i = 0; i < n; i++) {
      this.#read(i * NARROW, v);
      next[i * WIDE] = d[i * NARROW]!;
      next[i * WIDE + 1] = v[0]!;
      next[i * WIDE + 2] = v[1]!;
    }
    this.#d = next;
    this.#stride = WIDE;
  }

  #lowerBound(key: number): number {
    const d = this.#d;
    const st = this.#stride;
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (d[mid * st]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Makes room for `size` entries and returns the (possibly new) array. */
  #ensure(size: number): Float64Array {
    const st = this.#stride;
    if (size * st <= this.#d.length) return this.#d;
    const capacity = Math.max(size, Math.ceil((this.#d.length / st) * 1.25) + 4);
    const next = new Float64Array(capacity * st);
    next.set(this.#d.subarray(0, this.#length * st));
    this.#d = next;
    return next;
  }
}
