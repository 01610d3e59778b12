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
  #keys: Float64Array;
  #a: Float64Array;
  #b: Float64Array;
  #length = 0;

  constructor(capacity = 4) {
    this.#keys = new Float64Array(capacity);
    this.#a = new Float64Array(capacity);
    this.#b = new Float64Array(capacity);
  }

  get length(): number {
    return this.#length;
  }

  /** The largest key whose values are not both zero (NaN when none): retracted entries stay as zeros. */
  get lastLiveKey(): number {
    for (let i = this.#length - 1; i >= 0; i--)
      if (this.#a[i] !== 0 || this.#b[i] !== 0) return this.#keys[i]!;
    return Number.NaN;
  }

  /** Adds (a, b) to the entry at `key`, creating it if needed. */
  add(key: number, a: number, b: number): void {
    const n = this.#length;
    const keys = this.#keys;
    // Time-ordered logs mostly touch the last entry (the same day) or append after it.
    if (n > 0 && keys[n - 1] === key) {
      this.#a[n - 1]! += a;
      this.#b[n - 1]! += b;
      return;
    }
    if (n === 0 || keys[n - 1]! < key) {
      this.#ensure(n + 1);
      this.#keys[n] = key;
      this.#a[n] = a;
      this.#b[n] = b;
      this.#length = n + 1;
      return;
    }
    const i = this.#lowerBound(key);
    if (i < n && keys[i] === key) {
      this.#a[i]! += a;
      this.#b[i]! += b;
      return;
    }
    this.#ensure(n + 1);
    this.#keys.copyWithin(i + 1, i, n);
    this.#a.copyWithin(i + 1, i, n);
    this.#b.copyWithin(i + 1, i, n);
    this.#keys[i] = key;
    this.#a[i] = a;
    this.#b[i] = b;
    this.#length = n + 1;
  }

  /** The values at `key` into `out` (zeros when absent). */
  get(key: number, out: Float64Array): void {
    const i = this.#lowerBound(key);
    if (i < this.#length && this.#keys[i] === key) {
      out[0] = this.#a[i]!;
      out[1] = this.#b[i]!;
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
    const keys = this.#keys;
    const n = this.#length;
    let a = 0;
    let b = 0;
    for (let i = this.#lowerBound(fromKey); i < n; i++) {
      const k = keys[i]!;
      if (k > toKey) break;
      if (mask !== null && mask[slotOfKey(k)] !== 1) continue;
      a += this.#a[i]!;
      b += this.#b[i]!;
      matched += 1;
    }
    out[0]! += a;
    out[1]! += b;
    return matched;
  }

  /** Calls `fn` for each entry in the key range, in key order. */
  forEachInRange(fromKey: number, toKey: number, fn: (key: number, a: number, b: number) => void): void {
    const n = this.#length;
    for (let i = this.#lowerBound(fromKey); i < n; i++) {
      const k = this.#keys[i]!;
      if (k > toKey) break;
      fn(k, this.#a[i]!, this.#b[i]!);
    }
  }

  /** The entries as plain arrays (for checkpoints and tests). */
  toArrays(): { keys: Float64Array; a: Float64Array; b: Float64Array } {
    const n = this.#length;
    return { keys: this.#keys.slice(0, n), a: this.#a.slice(0, n), b: this.#b.slice(0, n) };
  }

  static fromArrays(keys: Float64Array, a: Float64Array, b: Float64Array): DaySeries {
    const s = new DaySeries(0);
    s.#keys = keys;
    s.#a = a;
    s.#b = b;
    s.#length = keys.length;
    return s;
  }

  /** Bytes held, for memory accounting. */
  get byteLength(): number {
    return this.#keys.byteLength * 3;
  }

  #lowerBound(key: number): number {
    const keys = this.#keys;
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #ensure(size: number) {
    if (size <= this.#keys.length) return;
    const capacity = Math.max(size, Math.ceil(this.#keys.length * 1.5) + 4);
    const grow = (old: Float64Array) => {
      const next = new Float64Array(capacity);
      next.set(old.subarray(0, this.#length));
      return next;
    };
    this.#keys = grow(this.#keys);
    this.#a = grow(this.#a);
    this.#b = grow(this.#b);
  }
}
