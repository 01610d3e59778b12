/**
 * A sparse series of two numbers per (day, slot), sorted by key, in typed arrays. It is the storage unit of
 * every additive figure: a unit's own activity, and each node's roll-up of its descendants.
 *
 * Why sorted arrays rather than a hash map: a query over a period is one binary search and a contiguous
 * scan, and an entry costs 24 bytes instead of a Map entry's ~80. Activity arrives roughly in time order,
 * so inserts are nearly always appends; an insert in the middle shifts, which is rare and bounded by the
 * node's own series length.
 */

/** Slots per day in a key: `key = day * SLOT_SPACE + slot`. Float64 keys stay exact far past 2^21 slots. */
export const SLOT_SPACE = 2 ** 21;

export const keyOf = (day: number, slot: number): number => day * SLOT_SPACE + slot;
export const dayOfKey = (key: number): number => Math.floor(key / SLOT_SPACE);
export const slotOfKey = (key: number): number => key - Math.floor(key / SLOT_SPACE) * SLOT_SPACE;

export class DaySeries {
  /** (key, a, b) triples in key order: one array per series, so a scan reads one run of memory. */
  #d: Float64Array;
  #length = 0;
  /** Entries whose values are both zero (a retraction's leftovers), which {@link compact} removes. */
  #zeros = 0;

  constructor(capacity = 4) {
    this.#d = new Float64Array(capacity * 3);
  }

  get length(): number {
    return this.#length;
  }

  /** How many entries hold (0, 0): kept by {@link add} (a stock's zero step still says "reported"). */
  get zeros(): number {
    return this.#zeros;
  }

  /** The largest key whose values are not both zero (NaN when none): retracted entries stay as zeros. */
  get lastLiveKey(): number {
    const d = this.#d;
    for (let i = (this.#length - 1) * 3; i >= 0; i -= 3) if (d[i + 1] !== 0 || d[i + 2] !== 0) return d[i]!;
    return Number.NaN;
  }

  /** Adds (a, b) to the entry at `key`, creating it if needed. */
  add(key: number, a: number, b: number): void {
    const n = this.#length;
    let d = this.#d;
    const last = (n - 1) * 3;
    // Time-ordered logs mostly touch the last entry (the same day) or append after it.
    if (n > 0 && d[last] === key) {
      this.#update(last, a, b);
      return;
    }
    if (n === 0 || d[last]! < key) {
      d = this.#ensure(n + 1);
      const at = n * 3;
      d[at] = key;
      d[at + 1] = a;
      d[at + 2] = b;
      this.#length = n + 1;
      if (a === 0 && b === 0) this.#zeros += 1;
      return;
    }
    const i = this.#lowerBound(key);
    if (i < n && d[i * 3] === key) {
      this.#update(i * 3, a, b);
      return;
    }
    d = this.#ensure(n + 1);
    d.copyWithin(i * 3 + 3, i * 3, n * 3);
    d[i * 3] = key;
    d[i * 3 + 1] = a;
    d[i * 3 + 2] = b;
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
    const end = this.#length * 3;
    let to = 0;
    for (let i = 0; i < end; i += 3) {
      if (d[i + 1] === 0 && d[i + 2] === 0) continue;
      if (to !== i) {
        d[to] = d[i]!;
        d[to + 1] = d[i + 1]!;
        d[to + 2] = d[i + 2]!;
      }
      to += 3;
    }
    this.#length = to / 3;
    this.#zeros = 0;
    if (d.length > 2 * to + 12) this.#d = d.slice(0, Math.max(to, 12));
  }

  /** The values at `key` into `out` (zeros when absent). */
  get(key: number, out: Float64Array): void {
    const i = this.#lowerBound(key);
    if (i < this.#length && this.#d[i * 3] === key) {
      out[0] = this.#d[i * 3 + 1]!;
      out[1] = this.#d[i * 3 + 2]!;
    } else {
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
    const end = this.#length * 3;
    let a = 0;
    let b = 0;
    for (let i = this.#lowerBound(fromKey) * 3; i < end; i += 3) {
      const k = d[i]!;
      if (k > toKey) break;
      if (mask !== null && mask[slotOfKey(k)] !== 1) continue;
      a += d[i + 1]!;
      b += d[i + 2]!;
      matched += 1;
    }
    out[0]! += a;
    out[1]! += b;
    return matched;
  }

  /** Calls `fn` for each entry in the key range, in key order. */
  forEachInRange(fromKey: number, toKey: number, fn: (key: number, a: number, b: number) => void): void {
    const d = this.#d;
    const end = this.#length * 3;
    for (let i = this.#lowerBound(fromKey) * 3; i < end; i += 3) {
      const k = d[i]!;
      if (k > toKey) break;
      fn(k, d[i + 1]!, d[i + 2]!);
    }
  }

  /** The entries as (key, a, b) triples, a view (for checkpoints and tests). */
  toData(): Float64Array {
    return this.#d.subarray(0, this.#length * 3);
  }

  /** A series over `data` as {@link toData} gives it (kept, not copied: it may be a checkpoint's view). */
  static fromData(data: Float64Array): DaySeries {
    if (data.length % 3 !== 0)
      throw new RangeError(`DaySeries.fromData: ${data.length} is not a whole number of entries`);
    const s = new DaySeries(0);
    s.#d = data;
    s.#length = data.length / 3;
    for (let i = 0; i < data.length; i += 3) if (data[i + 1] === 0 && data[i + 2] === 0) s.#zeros += 1;
    return s;
  }

  /** Bytes held, for memory accounting. */
  get byteLength(): number {
    return this.#d.byteLength;
  }

  /** Adds (a, b) to the entry at index `at` of the array, counting it in or out of the zeros. */
  #update(at: number, a: number, b: number): void {
    const d = this.#d;
    const wasZero = d[at + 1] === 0 && d[at + 2] === 0;
    d[at + 1]! += a;
    d[at + 2]! += b;
    const isZero = d[at + 1] === 0 && d[at + 2] === 0;
    if (wasZero !== isZero) this.#zeros += isZero ? 1 : -1;
  }

  #lowerBound(key: number): number {
    const d = this.#d;
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (d[mid * 3]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Makes room for `size` entries and returns the (possibly new) array. */
  #ensure(size: number): Float64Array {
    if (size * 3 <= this.#d.length) return this.#d;
    const capacity = Math.max(size, Math.ceil((this.#d.length / 3) * 1.5) + 4);
    const next = new Float64Array(capacity * 3);
    next.set(this.#d.subarray(0, this.#length * 3));
    this.#d = next;
    return next;
  }
}
