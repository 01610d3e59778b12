/**
 * The exact half of a `PeopleSet`: person index → (participations, hash), as an open-addressing table in one
 * Uint32Array with three words per slot (index + 1, with 0 meaning empty; multiplicity; hash). Cells are
 * many and mostly small, and a Map costs several times more per member than these 12 bytes.
 */

const STRIDE = 3;
const MIN_SLOTS = 8;
const FIBONACCI = 0x9e3779b1;

/**
 * The days of a month (0–30) as {@link PeopleArena}'s exact members keep them: bit d set when the member took
 * part on day d. Every day of the month: the mask a caller passes to read members on any day.
 */
export const ALL_DAYS = 2 ** 31 - 1;

/** The mask of days `first` to `last` of a month (0–30, first ≤ last). */
export const daysBetween = (first: number, last: number): number => 2 ** (last + 1) - 2 ** first;

/** Bitmap words per person marked past which a union clears its bitmap by filling it (see {@link UnionMarks.end}). */
const FILL_FROM = 48;

/**
 * The scratch of an exact union: a bitmap over the registry, and the person indices it newly marked, in
 * order. Clearing it afterwards then costs one write per person counted — neither a fill of the whole bitmap
 * (600 KB for 4.8 million people, per query) nor a second pass over every set.
 */
export class UnionMarks {
  seen = new Uint32Array(1024);
  marked = new Int32Array(1024);
  /** How many of `marked` are in use. */
  length = 0;
  registrySize = 0;

  /** Readies the (clear) bitmap for a registry of `registrySize` people. */
  begin(registrySize: number): void {
    const words = Math.ceil(registrySize / 32);
    if (this.seen.length < words) this.seen = new Uint32Array(Math.max(words, this.seen.length * 2));
    this.registrySize = registrySize;
    this.length = 0;
  }

  /** Makes room for `more` newly marked people. */
  reserve(more: number): void {
    const need = this.length + more;
    if (need <= this.marked.length) return;
    const next = new Int32Array(Math.max(need, this.marked.length * 2));
    next.set(this.marked.subarray(0, this.length));
    this.marked = next;
  }

  /**
   * Clears every bit set since {@link begin}: person by person, or past one person per {@link FILL_FROM}
   * words of the bitmap by filling it (a fill runs at memory speed; each person's word is a store to a
   * random place, about 5 ns each at 10M, where a fill of 600 KB takes ~15 µs).
   */
  end(): void {
    const { seen, marked } = this;
    const words = Math.ceil(this.registrySize / 32);
    if (this.length * FILL_FROM > words) seen.fill(0, 0, words);
    else for (let i = 0; i < this.length; i++) seen[marked[i]! >>> 5] = 0;
    this.length = 0;
  }
}

/**
 * Marks each member of an open-addressing table in `marks` — keys are person index + 1 (0 empty) every
 * `stride` words from `start` to `end` — and returns how many were new: the exact union's inner loop, with
 * no call per member. With `days` less than {@link ALL_DAYS}, only the members whose word `daysAt` after
 * their key (their days of the month, see {@link ALL_DAYS}) has one of those days; with the default,
 * everyone, and that word is not read.
 */
export const markKeys = (
  table: Uint32Array,
  start: number,
  end: number,
  stride: number,
  marks: UnionMarks,
  days = ALL_DAYS,
  daysAt = 1,
): number => {
  marks.reserve(Math.ceil((end - start) / stride));
  const { seen, marked, registrySize } = marks;
  const before = marks.length;
  const all = days >= ALL_DAYS ? 1 : 0;
  // Everyone: the key's own word stands in for the days, so a table's days are not read from memory.
  const dayWord = all === 1 ? 0 : daysAt;
  let n = before;
  for (let at = start; at < end; at += stride) {
    const key = table[at]!;
    // Without a branch on whether the slot is empty, on the days, or on whether the person was seen: in a
    // table a quarter to five eighths empty, with part of a month's members on the days asked, and across
    // overlapping cells, those are coin tosses the CPU cannot predict. A slot that does not count gets
    // index 0 and marks nothing (its bit is or-ed with 0); the index is always written, and kept only when new.
    const keep = (((table[at + dayWord]! & days) + ALL_DAYS) >>> 31) | all;
    const on = keep & ((key | -key) >>> 31);
    const index = ((key - 1) & -on) >>> 0;
    if (index >= registrySize) {
      marks.length = n;
      throw new RangeError(`person index ${index} is not in the registry (size ${registrySize})`);
    }
    const word = index >>> 5;
    const shift = index & 31;
    const w = seen[word]!;
    seen[word] = w | (on << shift);
    marked[n] = index;
    n += on & (((w >>> shift) & 1) ^ 1);
  }
  marks.length = n;
  return n - before;
};

/** A multiset of interned person indices that also remembers each person's hash. */
export class PersonMultiset {
  #table = new Uint32Array(MIN_SLOTS * STRIDE);
  #shift = 32 - Math.log2(MIN_SLOTS);
  #distinct = 0;

  /** The number of distinct people held. */
  get distinct(): number {
    return this.#distinct;
  }

  /** Tells whether the person at `personIndex` has at least one participation here. */
  has(personIndex: number): boolean {
    return this.#find(personIndex + 1) >= 0;
  }

  /** Returns how many participations the person at `personIndex` has here (0 when absent). */
  countOf(personIndex: number): number {
    const slot = this.#find(personIndex + 1);
    return slot < 0 ? 0 : this.#table[slot + 1]!;
  }

  /** Adds `times` participations of a person; throws if their hash differs from the one first given. */
  add(personIndex: number, hash32: number, times: number): void {
    const key = personIndex + 1;
    const slot = this.#find(key);
    if (slot >= 0) {
      this.#checkHash(slot, personIndex, hash32);
      this.#table[slot + 1]! += times;
      return;
    }
    // Grow at 75% load so linear probes stay short.
    if ((this.#distinct + 1) * 4 > (this.#table.length / STRIDE) * 3) this.#resize(this.#table.length * 2);
    this.#insert(key, times, hash32);
    this.#distinct++;
  }

  /** Takes back one participation; returns false, changing nothing, when the person is absent. */
  remove(personIndex: number, hash32: number): boolean {
    const slot = this.#find(personIndex + 1);
    if (slot < 0) return false;
    this.#checkHash(slot, personIndex, hash32);
    const times = this.#table[slot + 1]! - 1;
    if (times > 0) this.#table[slot + 1] = times;
    else this.#deleteSlot(slot);
    return true;
  }

  /** Calls `visit` for every person held, in table order (fast, but history-dependent). */
  forEach(visit: (personIndex: number, times: number, hash32: number) => void): void {
    const table = this.#table;
    for (let slot = 0; slot < table.length; slot += STRIDE) {
      const key = table[slot]!;
      if (key !== 0) visit(key - 1, table[slot + 1]!, table[slot + 2]!);
    }
  }

  /** Marks the members for an exact union (see {@link markKeys}); returns how many were new. */
  markInto(marks: UnionMarks): number {
    return markKeys(this.#table, 0, this.#table.length, STRIDE, marks);
  }

  /** Returns `[index, times, hash]` triples in ascending index order: the same for equal multisets. */
  sortedTriples(): Uint32Array {
    const slots: number[] = [];
    for (let slot = 0; slot < this.#table.length; slot += STRIDE)
      if (this.#table[slot] !== 0) slots.push(slot);
    slots.sort((a, b) => this.#table[a]! - this.#table[b]!);
    const out = new Uint32Array(slots.length * STRIDE);
    slots.forEach((slot, i) => {
      out[i * STRIDE] = this.#table[slot]! - 1;
      out[i * STRIDE + 1] = this.#table[slot + 1]!;
      out[i * STRIDE + 2] = this.#table[slot + 2]!;
    });
    return out;
  }

  #checkHash(slot: number, personIndex: number, hash32: number): void {
    if (this.#table[slot + 2] !== hash32 >>> 0) {
      throw new RangeError(
        `person ${personIndex} was added with hash ${this.#table[slot + 2]} and now comes with ${hash32 >>> 0}`,
      );
    }
  }

  #home(key: number): number {
    // Fibonacci hashing of the index, not the caller's hash, so a wrong hash cannot hide a member.
    return (Math.imul(key, FIBONACCI) >>> this.#shift) * STRIDE;
  }

  /** Returns the word offset of `key`'s slot, or -1 when absent. */
  #find(key: number): number {
    const table = this.#table;
    let slot = this.#home(key);
    for (;;) {
      const k = table[slot]!;
      if (k === key) return slot;
      if (k === 0) return -1;
      slot += STRIDE;
      if (slot === table.length) slot = 0;
    }
  }

  #insert(key: number, times: number, hash32: number): void {
    const table = this.#table;
    let slot = this.#home(key);
    while (table[slot] !== 0) {
      slot += STRIDE;
      if (slot === table.length) slot = 0;
    }
    table[slot] = key;
    table[slot + 1] = times;
    table[slot + 2] = hash32;
  }

  /** Empties `slot` by shifting later members of its probe run back, so no tombstones accumulate. */
  #deleteSlot(slot: number): void {
    const table = this.#table;
    let hole = slot;
    let next = slot;
    for (;;) {
      next += STRIDE;
      if (next === table.length) next = 0;
      const key = table[next]!;
      if (key === 0) break;
      const home = this.#home(key);
      // The entry at `next` may fill the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (stays) continue;
      table.copyWithin(hole, next, next + STRIDE);
      hole = next;
    }
    table.fill(0, hole, hole + STRIDE);
    this.#distinct--;
  }

  #resize(words: number): void {
    const old = this.#table;
    this.#table = new Uint32Array(words);
    this.#shift = 32 - Math.log2(words / STRIDE);
    for (let slot = 0; slot < old.length; slot += STRIDE) {
      if (old[slot] !== 0) this.#insert(old[slot]!, old[slot + 1]!, old[slot + 2]!);
    }
  }
}
