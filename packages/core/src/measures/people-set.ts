import { HLL_DEFAULT_PRECISION, HyperLogLog, hyperLogLogError } from './hyperloglog.ts';
import { markKeys, PersonMultiset, UnionMarks } from './person-multiset.ts';
import type { PersonRegistry } from './person-registry.ts';

/**
 * The distinct people ("người") of one cell, e.g. a unit × period. Reports must never add distinct counts
 * across units or periods; they union the cells' sets, which this module makes cheap.
 *
 * A set is exact while small: a multiset of interned person indices, because a corrected or voided activity
 * must take back exactly the participations it added (a person leaves when their last one is removed). Past
 * `threshold` distinct people it becomes a {@link HyperLogLog}. A sketch cannot forget anyone, so a removal
 * in sketch mode marks the set `stale` instead of being silently wrong; the owning projection must then
 * rebuild the cell from its exact parts (its events, or exact sub-cells).
 */

/** How many distinct people a cell holds, and how far to trust the number. */
export interface PeopleSize {
  readonly value: number;
  /** True when `value` is an exact count; false when it is a HyperLogLog estimate. */
  readonly exact: boolean;
  /** The relative standard error of an estimate (1.04 / √m); absent when exact. */
  readonly relativeError?: number;
  /** True when a removal could not be honoured in sketch mode, so `value` still counts removed people. */
  readonly stale: boolean;
}

/**
 * What a union needs of a cell of distinct people, wherever it is kept: a free-standing {@link PeopleSet}
 * or a cell of a `PeopleArena`.
 */
export interface PeopleSource {
  readonly precision: number;
  readonly isExact: boolean;
  readonly isStale: boolean;
  readonly participations: number;
  size(): PeopleSize;
  /** Each member with their participations and hash (exact sources only). */
  forEachMember(visit: (personIndex: number, times: number, hash32: number) => void): void;
  /**
   * Marks each member in `marks`, an exact union's bitmap over the registry, and returns how many were new
   * (exact sources only): what an exact union counts.
   */
  markInto(marks: UnionMarks): number;
  /** Folds the sketch's registers into `target` (sketch sources only). */
  mergeSketchInto(target: HyperLogLog): void;
  /** Copies the sketch's 2^p registers to `target[base…]` (sketch sources only). */
  writeRegisters(target: Uint8Array, base: number): void;
}

export interface PeopleSetOptions {
  /** Distinct people kept exactly before switching to a sketch (default 4096). */
  readonly threshold?: number;
  /** HyperLogLog precision used after the switch (default 12: 4 KiB, ≈1.6% error). */
  readonly precision?: number;
}

export const PEOPLE_SET_DEFAULT_THRESHOLD = 4096;

// Layout of toBytes(), little-endian: magic, version, mode, flags, precision, 3 zero bytes, threshold (u32),
// participations (f64), exact member count (u32); then the members as (index, times, hash) u32 triples in
// index order, or the HyperLogLog's own bytes.
const BYTES_MAGIC = 0x50; // 'P'
const BYTES_VERSION = 1;
const BYTES_HEADER = 24;
const MEMBER_BYTES = 12;
const MODE_EXACT = 0;
const MODE_SKETCH = 1;
const FLAG_STALE = 1;

const checkIndex = (personIndex: number): void => {
  // The multiset stores index + 1 in a uint32, so the largest uint32 cannot be an index.
  if (!(Number.isInteger(personIndex) && personIndex >= 0 && personIndex < 0xffffffff)) {
    throw new RangeError(`person index must be an integer from 0 to 2^32 - 2, got ${personIndex}`);
  }
};

/** Scratch bits for exact unions (see `#exactUnionCount`); all zero between calls. */
const unionMarks = new UnionMarks();

/** Distinct people of one cell: exact (with multiplicities) while small, a HyperLogLog beyond the threshold. */
export class PeopleSet implements PeopleSource {
  readonly threshold: number;
  readonly precision: number;
  /** Exactly one of `#exact` and `#sketch` is set. */
  #exact: PersonMultiset | undefined = new PersonMultiset();
  #sketch: HyperLogLog | undefined;
  #participations = 0;
  #stale = false;

  /** Creates an empty, exact set; see {@link PeopleSetOptions} for the switch-over point. */
  constructor(options: PeopleSetOptions = {}) {
    const threshold = options.threshold ?? PEOPLE_SET_DEFAULT_THRESHOLD;
    if (!(Number.isInteger(threshold) && threshold >= 0 && threshold <= 0xffffffff)) {
      throw new RangeError(`PeopleSet threshold must be an integer from 0 to 2^32 - 1, got ${threshold}`);
    }
    this.threshold = threshold;
    this.precision = options.precision ?? HLL_DEFAULT_PRECISION;
    hyperLogLogError(this.precision); // validates the precision now rather than at the switch
  }

  /**
   * Counts the distinct people across `sets` without double counting anyone: exact when every set is
   * exact, otherwise a HyperLogLog merge of the sketches and the exact members' hashes. Stale if any input is.
   */
  static union(sets: Iterable<PeopleSource>, registry: PersonRegistry): PeopleSize {
    const list = [...sets];
    if (list.length === 0) return { value: 0, exact: true, stale: false };
    if (list.length === 1) return list[0]!.size();
    let precision: number | undefined;
    let stale = false;
    for (const set of list) {
      if (set.isExact) continue;
      if (precision !== undefined && precision !== set.precision) {
        throw new RangeError(`cannot union sketches of precision ${precision} and ${set.precision}`);
      }
      precision = set.precision;
      stale ||= set.isStale;
    }
    if (precision === undefined) {
      // All exact: the members are already in memory, so counting them exactly costs one pass, the same as
      // hashing them into a sketch would; there is nothing to gain by approximating.
      return { value: PeopleSet.#exactUnionCount(list, registry.size), exact: true, stale: false };
    }
    const merged = PeopleSet.mergeInto(new HyperLogLog(precision), list, registry);
    return { value: Math.round(merged.estimate()), exact: false, relativeError: merged.relativeError, stale };
  }

  /**
   * Adds the people of `sets` to `sketch`: each sketch's registers, and the hash of each person in an exact
   * set — marked first as an exact union marks them, so a person in several sets (several kinds, a month's
   * two edges) is hashed once, in one loop without a call per member. Returns `sketch`.
   */
  static mergeInto(sketch: HyperLogLog, sets: Iterable<PeopleSource>, registry: PersonRegistry): HyperLogLog {
    const marks = unionMarks;
    marks.begin(registry.size);
    try {
      for (const set of sets) {
        if (set.isExact) set.markInto(marks);
        else set.mergeSketchInto(sketch);
      }
      const { marked, length } = marks;
      const hashes = registry.hashes;
      for (let i = 0; i < length; i++) sketch.add(hashes[marked[i]!]!);
    } finally {
      marks.end();
    }
    return sketch;
  }

  /**
   * A set in sketch mode holding `sketch` (taken, not copied): registers put together elsewhere — a run of
   * days of a subtree month — joining a union as any sketch does.
   */
  static ofSketch(sketch: HyperLogLog, threshold: number = PEOPLE_SET_DEFAULT_THRESHOLD): PeopleSet {
    const set = new PeopleSet({ threshold, precision: sketch.precision });
    set.#exact = undefined;
    set.#sketch = sketch;
    return set;
  }

  /** Restores a set written by {@link PeopleSet.toBytes}; throws a RangeError on malformed bytes. */
  static fromBytes(bytes: Uint8Array): PeopleSet {
    const fail = (why: string): never => {
      throw new RangeError(`PeopleSet.fromBytes: ${why}`);
    };
    if (bytes.length < BYTES_HEADER || bytes[0] !== BYTES_MAGIC || bytes[1] !== BYTES_VERSION) {
      fail('not a version-1 PeopleSet');
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const mode = bytes[2];
    const stale = (bytes[3]! & FLAG_STALE) !== 0;
    const set = new PeopleSet({ threshold: view.getUint32(8, true), precision: bytes[4]! });
    const participations = view.getFloat64(12, true);
    const count = view.getUint32(20, true);
    // Only a plain integer is checked here: a stale sketch may have taken back more than it was given.
    if (!Number.isSafeInteger(participations)) fail('bad participation count');
    set.#participations = participations;
    if (mode === MODE_SKETCH) {
      const sketch = HyperLogLog.fromBytes(bytes.subarray(BYTES_HEADER));
      if (sketch.precision !== set.precision || count !== 0) fail('sketch header disagrees with its body');
      set.#exact = undefined;
      set.#sketch = sketch;
      set.#stale = stale;
      return set;
    }
    if (mode !== MODE_EXACT) fail(`unknown mode ${mode}`);
    if (stale) fail('an exact set cannot be stale');
    if (bytes.length !== BYTES_HEADER + count * MEMBER_BYTES) fail(`expected ${count} members`);
    if (count > set.threshold) fail(`${count} exact members exceed the threshold ${set.threshold}`);
    const exact = set.#exact!;
    let previous = -1;
    let sum = 0;
    for (let at = BYTES_HEADER; at < bytes.length; at += MEMBER_BYTES) {
      const index = view.getUint32(at, true);
      const times = view.getUint32(at + 4, true);
      // Members are written in ascending index order, so any repeat or disorder means corruption.
      if (index <= previous || times === 0)
        fail(`member at byte ${at} is out of order or has no participations`);
      checkIndex(index);
      exact.add(index, view.getUint32(at + 8, true), times);
      previous = index;
      sum += times;
    }
    if (sum !== participations) fail('participation count disagrees with the members');
    return set;
  }

  /** True while the set counts exactly (it has not grown past its threshold). */
  get isExact(): boolean {
    return this.#exact !== undefined;
  }

  /** True once a removal arrived in sketch mode; the owner must rebuild this set from exact parts. */
  get isStale(): boolean {
    return this.#stale;
  }

  /** The participations ("lượt") recorded, which stays exact in both modes because it is a plain sum. */
  get participations(): number {
    return this.#participations;
  }

  /** Records `times` participations (one by default) of the person at `personIndex`, whose registry hash is `hash32`. */
  add(personIndex: number, hash32: number, times = 1): void {
    checkIndex(personIndex);
    if (!(Number.isInteger(times) && times >= 1))
      throw new RangeError(`participations must be a positive integer, got ${times}`);
    this.#add(personIndex, hash32, times);
  }

  /**
   * Takes back one participation previously added; at zero the person leaves the set. In sketch mode the
   * person cannot be taken out of the registers, so the set is marked stale (see {@link PeopleSet.isStale}).
   * Removing a person who is not in an exact set is a projection bug and throws.
   */
  remove(personIndex: number, hash32: number): void {
    checkIndex(personIndex);
    if (this.#exact === undefined) {
      this.#stale = true;
    } else if (!this.#exact.remove(personIndex, hash32)) {
      throw new RangeError(`cannot remove person ${personIndex}: they have no participation in this set`);
    }
    this.#participations--;
  }

  /** Adds every participation recorded in `other` (a multiset sum), so merging cells equals building one. */
  addAll(other: PeopleSource): this {
    if (!other.isExact) {
      if (other.precision !== this.precision) {
        throw new RangeError(`cannot add a p=${other.precision} sketch to a p=${this.precision} set`);
      }
      other.mergeSketchInto(this.#toSketch());
      this.#participations += other.participations;
      this.#stale ||= other.isStale;
      return this;
    }
    if (other === this) {
      // Snapshot first: the adds below may rebuild the very table being read.
      const triples = this.#exact!.sortedTriples();
      for (let i = 0; i < triples.length; i += 3) this.#add(triples[i]!, triples[i + 2]!, triples[i + 1]!);
      return this;
    }
    other.forEachMember((index, times, hash) => {
      this.#add(index, hash, times);
    });
    return this;
  }

  /** Each member with their participations and hash (exact sets only). */
  forEachMember(visit: (personIndex: number, times: number, hash32: number) => void): void {
    this.#requireExact('forEachMember').forEach(visit);
  }

  /** Marks the members in a bitmap over the registry; returns how many were new (exact sets only). */
  markInto(marks: UnionMarks): number {
    return this.#requireExact('markInto').markInto(marks);
  }

  /** Folds this sketch's registers into `target` (sketches only). */
  mergeSketchInto(target: HyperLogLog): void {
    target.merge(this.#requireSketch('mergeSketchInto'));
  }

  /** Copies this sketch's registers to `target[base…]` (sketches only). */
  writeRegisters(target: Uint8Array, base: number): void {
    this.#requireSketch('writeRegisters').copyRegistersTo(target, base);
  }

  /** Returns an independent copy of this set. */
  clone(): PeopleSet {
    return PeopleSet.fromBytes(this.toBytes());
  }

  /** The distinct people in this set: exact, or an estimate with its relative standard error. */
  size(): PeopleSize {
    if (this.#exact !== undefined) return { value: this.#exact.distinct, exact: true, stale: false };
    const sketch = this.#sketch!;
    return {
      value: Math.round(sketch.estimate()),
      exact: false,
      relativeError: sketch.relativeError,
      stale: this.#stale,
    };
  }

  /** Returns how many participations the person at `personIndex` has here (exact mode only). */
  countOf(personIndex: number): number {
    checkIndex(personIndex);
    return this.#requireExact('countOf').countOf(personIndex);
  }

  /** Iterates the person indices in ascending order, for drill-down lists (exact mode only). */
  members(): IterableIterator<number> {
    const triples = this.#requireExact('members').sortedTriples();
    return Array.from({ length: triples.length / 3 }, (_, i) => triples[i * 3]!).values();
  }

  /**
   * Serialises the set for checkpoints. Exact members are written in index order, so equal sets give equal
   * bytes whatever order their participations arrived in. Indices only mean something with the same
   * {@link PersonRegistry}, so checkpoint the registry's ids alongside.
   */
  toBytes(): Uint8Array {
    const body = this.#sketch?.toBytes() ?? this.#exact!.sortedTriples();
    const bytes = new Uint8Array(BYTES_HEADER + body.byteLength);
    const view = new DataView(bytes.buffer);
    bytes[0] = BYTES_MAGIC;
    bytes[1] = BYTES_VERSION;
    bytes[2] = this.#sketch === undefined ? MODE_EXACT : MODE_SKETCH;
    bytes[3] = this.#stale ? FLAG_STALE : 0;
    bytes[4] = this.precision;
    view.setUint32(8, this.threshold, true);
    view.setFloat64(12, this.#participations, true);
    if (body instanceof Uint8Array) {
      bytes.set(body, BYTES_HEADER);
      return bytes;
    }
    view.setUint32(20, body.length / 3, true);
    // Written word by word so the format is little-endian whatever the platform's typed-array order.
    for (let i = 0; i < body.length; i++) view.setUint32(BYTES_HEADER + i * 4, body[i]!, true);
    return bytes;
  }

  /**
   * Counts distinct members across exact sets with a bitmap over the registry. The bitmap is kept between
   * calls (allocating registrySize / 8 bytes per query fed the garbage collector) and cleared afterwards by
   * the people it counted, whom the marking lists as it goes (see {@link UnionMarks}).
   */
  static #exactUnionCount(list: readonly PeopleSource[], registrySize: number): number {
    const marks = unionMarks;
    marks.begin(registrySize);
    let count = 0;
    try {
      for (const set of list) count += set.markInto(marks);
    } finally {
      marks.end();
    }
    return count;
  }

  #add(personIndex: number, hash32: number, times: number): void {
    this.#participations += times;
    const exact = this.#exact;
    if (exact !== undefined && (exact.distinct < this.threshold || exact.has(personIndex))) {
      exact.add(personIndex, hash32, times);
    } else {
      this.#toSketch().add(hash32);
    }
  }

  #toSketch(): HyperLogLog {
    if (this.#sketch !== undefined) return this.#sketch;
    const sketch = new HyperLogLog(this.precision);
    this.#exact!.forEach((_, __, hash) => {
      sketch.add(hash);
    });
    this.#sketch = sketch;
    this.#exact = undefined;
    return sketch;
  }

  #requireSketch(what: string): HyperLogLog {
    if (this.#sketch === undefined)
      throw new RangeError(`PeopleSet.${what} needs a sketch; this set is exact`);
    return this.#sketch;
  }

  #requireExact(what: string): PersonMultiset {
    if (this.#exact === undefined) {
      throw new RangeError(`PeopleSet.${what} needs an exact set; this one became a sketch (check isExact)`);
    }
    return this.#exact;
  }
}

/**
 * An exact source that names people but not how often they took part: the members of a cell on some days
 * of its month, or a list of people netted from participation logs. A union asks only who.
 */
export abstract class PeopleNamed implements PeopleSource {
  abstract readonly precision: number;
  /** What the source is, for errors: "a list of people". */
  protected abstract readonly what: string;
  abstract size(): PeopleSize;
  abstract forEachMember(visit: (personIndex: number, times: number, hash32: number) => void): void;
  abstract markInto(marks: UnionMarks): number;

  get isExact(): boolean {
    return true;
  }
  get isStale(): boolean {
    return false;
  }
  get participations(): number {
    throw new RangeError(`${this.what} says who took part, not how often`);
  }
  mergeSketchInto(): void {
    throw new RangeError(`${this.what} has no sketch`);
  }
  writeRegisters(): void {
    throw new RangeError(`${this.what} has no sketch`);
  }
}

/**
 * People named exactly, each once, without their participations: the people of some days netted from
 * participation logs. Exact whatever its size, as a union of exact cells is; a union marks them like any
 * exact set's members.
 */
export class PeopleList extends PeopleNamed {
  readonly precision: number;
  protected readonly what = 'a list of people';
  /** Each person's index + 1. */
  readonly #keys: Uint32Array;
  readonly #hashes: () => Uint32Array;

  /** `keys` holds person index + 1 for each person, once. */
  constructor(keys: Uint32Array, hashes: () => Uint32Array, precision = HLL_DEFAULT_PRECISION) {
    super();
    this.#keys = keys;
    this.#hashes = hashes;
    this.precision = precision;
  }

  size(): PeopleSize {
    return { value: this.#keys.length, exact: true, stale: false };
  }
  forEachMember(visit: (personIndex: number, times: number, hash32: number) => void): void {
    const hashes = this.#hashes();
    for (let i = 0; i < this.#keys.length; i++) {
      const p = this.#keys[i]! - 1;
      visit(p, 1, hashes[p]!);
    }
  }
  markInto(marks: UnionMarks): number {
    return markKeys(this.#keys, 0, this.#keys.length, 1, marks);
  }
}
