import {
  addToRegisters,
  estimateRegisters,
  HLL_DEFAULT_PRECISION,
  type HyperLogLog,
  hyperLogLogError,
} from './hyperloglog.ts';
import { PEOPLE_SET_DEFAULT_THRESHOLD, type PeopleSize, type PeopleSource } from './people-set.ts';

/**
 * Many distinct-people cells — the (node, month, kind × channel) cells of the people projection — held in a
 * handful of typed arrays instead of an object (and a table object, and a Map entry) per cell. Each cell
 * behaves exactly like a {@link PeopleSet}: an exact multiset of interned person indices while small, a
 * HyperLogLog sketch past `threshold` distinct people, stale after a removal in sketch mode.
 *
 * Layout: per cell, a block offset, a size class, the distinct count, flags and the participations, each in
 * its own array indexed by cell id. Blocks live in one `Uint32Array` pool: an exact cell's block is an
 * open-addressing table of two words per slot (person index + 1, participations), a sketch's block is its
 * 2^p one-byte registers seen through a byte view of the same buffer. A block that is outgrown goes back
 * to a free list of its size class (blocks are powers of two words) and is reused before the pool grows.
 *
 * Why: at 10 million events the projection holds millions of cells; as objects they cost more in headers,
 * pointers and hash-map entries than in members, the collector walks them all, and a checkpoint restore
 * must recreate each one. Here a restore is one copy per array, and the heap holds none of it.
 *
 * Members' hashes are not stored (the registry keeps them): two words per member instead of three.
 */

/** The size class of a sketch block; exact tables have classes below it. */
const SKETCH = 255;
const FLAG_STALE = 1;
/** The smallest exact table: 4 slots, 8 words. */
const MIN_TABLE_LOG = 2;
const FIBONACCI = 0x9e3779b1;

export interface PeopleArenaOptions {
  /** Distinct people kept exactly before a cell becomes a sketch (default 4096). */
  readonly threshold?: number;
  /** HyperLogLog precision of sketches (default 12). */
  readonly precision?: number;
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
  readonly pool: Uint32Array;
  /** Free block offsets, by log2 of the block's words. */
  readonly free: readonly Uint32Array[];
}

/** The hash of an interned person: the registry's. */
export type HashOf = (personIndex: number) => number;

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
  readonly #hashOf: HashOf;
  // Per cell.
  #offset: Uint32Array = new Uint32Array(64);
  /** log2 of the table's slots, or SKETCH; 0 while the cell has no block. */
  #class: Uint8Array = new Uint8Array(64);
  #distinct: Uint32Array = new Uint32Array(64);
  #flags: Uint8Array = new Uint8Array(64);
  #participations: Float64Array = new Float64Array(64);
  #cells = 0;
  // Blocks.
  #pool: Uint32Array = new Uint32Array(4096);
  #bytes: Uint8Array = new Uint8Array(this.#pool.buffer);
  #top = 0;
  /** Free block offsets by log2 of the block's words. */
  #free: number[][] = [];

  constructor(hashOf: HashOf, options: PeopleArenaOptions = {}) {
    const threshold = options.threshold ?? PEOPLE_SET_DEFAULT_THRESHOLD;
    if (!(Number.isInteger(threshold) && threshold >= 0 && threshold <= 0xffffffff)) {
      throw new RangeError(`PeopleArena threshold must be an integer from 0 to 2^32 - 1, got ${threshold}`);
    }
    this.threshold = threshold;
    this.precision = options.precision ?? HLL_DEFAULT_PRECISION;
    hyperLogLogError(this.precision);
    this.#hashOf = hashOf;
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

  /** Participations ("lượt") recorded: exact in both modes. */
  participations(cell: number): number {
    return this.#participations[cell]!;
  }

  /** The cell's distinct people: exact, or a sketch's estimate with its error. */
  size(cell: number): PeopleSize {
    if (this.#class[cell] !== SKETCH) return { value: this.#distinct[cell]!, exact: true, stale: false };
    return {
      value: Math.round(estimateRegisters(this.#bytes, this.#offset[cell]! * 4, this.precision)),
      exact: false,
      relativeError: hyperLogLogError(this.precision),
      stale: this.isStale(cell),
    };
  }

  /** Records `times` participations of a person. */
  add(cell: number, person: number, times = 1): void {
    this.#participations[cell]! += times;
    const cls = this.#class[cell]!;
    if (cls === SKETCH) {
      addToRegisters(this.#bytes, this.#offset[cell]! * 4, this.precision, this.#hashOf(person));
      return;
    }
    const key = person + 1;
    if (cls !== 0) {
      const slot = this.#find(cell, key);
      if (slot >= 0) {
        this.#pool[slot + 1]! += times;
        return;
      }
    }
    const distinct = this.#distinct[cell]!;
    if (distinct >= this.threshold) {
      this.#toSketch(cell);
      addToRegisters(this.#bytes, this.#offset[cell]! * 4, this.precision, this.#hashOf(person));
      return;
    }
    // Grow at 75% load so linear probes stay short.
    if (cls === 0 || (distinct + 1) * 4 > (1 << cls) * 3)
      this.#resize(cell, Math.max(MIN_TABLE_LOG, cls + 1));
    this.#insert(cell, key, times);
    this.#distinct[cell] = distinct + 1;
  }

  /**
   * Takes back one participation; at zero the person leaves the cell. A sketch cannot forget, so there the
   * cell becomes stale. Removing a person an exact cell does not hold is a projection bug and throws.
   */
  remove(cell: number, person: number): void {
    if (this.#class[cell] === SKETCH) {
      this.#flags[cell]! |= FLAG_STALE;
      this.#participations[cell]! -= 1;
      return;
    }
    const slot = this.#class[cell] === 0 ? -1 : this.#find(cell, person + 1);
    if (slot < 0)
      throw new RangeError(`cannot remove person ${person}: they have no participation in this cell`);
    this.#participations[cell]! -= 1;
    const pool = this.#pool;
    if (pool[slot + 1]! > 1) {
      pool[slot + 1]! -= 1;
      return;
    }
    this.#deleteSlot(cell, slot);
    this.#distinct[cell]! -= 1;
    // A cell emptied (its unit's history moved elsewhere, say) gives its block back.
    if (this.#distinct[cell] === 0) this.#release(cell);
  }

  /** Calls `visit` for each member of an exact cell (in table order) with their participations and hash. */
  forEachMember(cell: number, visit: (person: number, times: number, hash32: number) => void): void {
    const cls = this.#class[cell]!;
    if (cls === SKETCH) throw new RangeError('forEachMember needs an exact cell; this one is a sketch');
    if (cls === 0) return;
    const pool = this.#pool;
    const start = this.#offset[cell]!;
    const end = start + (2 << cls);
    for (let at = start; at < end; at += 2) {
      const key = pool[at]!;
      if (key !== 0) visit(key - 1, pool[at + 1]!, this.#hashOf(key - 1));
    }
  }

  /** Folds a sketch cell's registers into `target` (of the same precision). */
  mergeSketchInto(cell: number, target: HyperLogLog): void {
    if (this.#class[cell] !== SKETCH) throw new RangeError('mergeSketchInto needs a sketch cell');
    target.mergeRegisters(this.#bytes, this.#offset[cell]! * 4);
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
      source.writeRegisters(this.#bytes, this.#offset[cell]! * 4);
      this.#participations[cell] = source.participations;
      if (source.isStale) this.#flags[cell]! |= FLAG_STALE;
    }
  }

  /** A read-only view of one cell, for unions alongside free-standing sets. */
  source(cell: number): PeopleSource {
    return new ArenaCell(this, cell);
  }

  /** Bytes held (cell records and the whole pool, free blocks included), for memory accounting. */
  get byteLength(): number {
    return this.#pool.byteLength + this.#offset.length * (4 + 1 + 4 + 1 + 8);
  }

  /** The arena's arrays for a checkpoint, cut to what is in use. */
  exportState(): PeopleArenaState {
    const n = this.#cells;
    return {
      threshold: this.threshold,
      precision: this.precision,
      offset: this.#offset.slice(0, n),
      class: this.#class.slice(0, n),
      distinct: this.#distinct.slice(0, n),
      flags: this.#flags.slice(0, n),
      participations: this.#participations.slice(0, n),
      pool: this.#pool.slice(0, this.#top),
      free: Array.from(this.#free, (list) => Uint32Array.from(list ?? [])),
    };
  }

  /** Takes over arrays written by {@link exportState} (they are kept, not copied). */
  importState(state: PeopleArenaState): void {
    const n = state.offset.length;
    for (const a of [state.class, state.distinct, state.flags, state.participations]) {
      if (a.length !== n) throw new RangeError('PeopleArena.importState: cell arrays differ in length');
    }
    if (state.threshold !== this.threshold || state.precision !== this.precision) {
      throw new RangeError('PeopleArena.importState: threshold or precision differs from this arena');
    }
    this.#offset = state.offset;
    this.#class = state.class;
    this.#distinct = state.distinct;
    this.#flags = state.flags;
    this.#participations = state.participations;
    this.#cells = n;
    this.#top = state.pool.length;
    this.#pool = state.pool.length > 0 ? state.pool : new Uint32Array(4096);
    this.#bytes = new Uint8Array(this.#pool.buffer);
    this.#free = state.free.map((list) => [...list]);
  }

  #find(cell: number, key: number): number {
    const pool = this.#pool;
    const cls = this.#class[cell]!;
    const start = this.#offset[cell]!;
    const end = start + (2 << cls);
    let at = start + (Math.imul(key, FIBONACCI) >>> (32 - cls)) * 2;
    for (;;) {
      const k = pool[at]!;
      if (k === key) return at;
      if (k === 0) return -1;
      at += 2;
      if (at === end) at = start;
    }
  }

  #insert(cell: number, key: number, times: number): void {
    const pool = this.#pool;
    const cls = this.#class[cell]!;
    const start = this.#offset[cell]!;
    const end = start + (2 << cls);
    let at = start + (Math.imul(key, FIBONACCI) >>> (32 - cls)) * 2;
    while (pool[at] !== 0) {
      at += 2;
      if (at === end) at = start;
    }
    pool[at] = key;
    pool[at + 1] = times;
  }

  /** Empties `slot` by shifting later members of its probe run back, so no tombstones accumulate. */
  #deleteSlot(cell: number, slot: number): void {
    const pool = this.#pool;
    const cls = this.#class[cell]!;
    const start = this.#offset[cell]!;
    const end = start + (2 << cls);
    let hole = slot;
    let next = slot;
    for (;;) {
      next += 2;
      if (next === end) next = start;
      const key = pool[next]!;
      if (key === 0) break;
      const home = start + (Math.imul(key, FIBONACCI) >>> (32 - cls)) * 2;
      // The entry at `next` may fill the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (stays) continue;
      pool[hole] = key;
      pool[hole + 1] = pool[next + 1]!;
      hole = next;
    }
    pool[hole] = 0;
    pool[hole + 1] = 0;
  }

  /** Moves an exact cell to a table of 2^log slots, reinserting its members. */
  #resize(cell: number, log: number): void {
    const oldClass = this.#class[cell]!;
    const oldStart = this.#offset[cell]!;
    const offset = this.#allocate(log + 1);
    this.#offset[cell] = offset;
    this.#class[cell] = log;
    if (oldClass === 0) return;
    const oldEnd = oldStart + (2 << oldClass);
    for (let at = oldStart; at < oldEnd; at += 2) {
      const key = this.#pool[at]!;
      if (key !== 0) this.#insert(cell, key, this.#pool[at + 1]!);
    }
    this.#freeBlock(oldStart, oldClass + 1);
  }

  #toSketch(cell: number): void {
    const cls = this.#class[cell]!;
    const start = this.#offset[cell]!;
    const offset = this.#allocate(this.precision - 2);
    const base = offset * 4;
    if (cls !== 0) {
      const end = start + (2 << cls);
      for (let at = start; at < end; at += 2) {
        const key = this.#pool[at]!;
        if (key !== 0) addToRegisters(this.#bytes, base, this.precision, this.#hashOf(key - 1));
      }
      this.#freeBlock(start, cls + 1);
    }
    this.#offset[cell] = offset;
    this.#class[cell] = SKETCH;
    this.#distinct[cell] = 0;
  }

  /** Empties a cell and returns its block. */
  #release(cell: number): void {
    const cls = this.#class[cell]!;
    if (cls !== 0) this.#freeBlock(this.#offset[cell]!, cls === SKETCH ? this.precision - 2 : cls + 1);
    this.#class[cell] = 0;
    this.#offset[cell] = 0;
    this.#distinct[cell] = 0;
    this.#flags[cell] = 0;
    this.#participations[cell] = 0;
  }

  /** A zeroed block of 2^log words. */
  #allocate(log: number): number {
    const reused = this.#free[log]?.pop();
    const words = 1 << log;
    if (reused !== undefined) {
      this.#pool.fill(0, reused, reused + words);
      return reused;
    }
    const offset = this.#top;
    if (offset + words > this.#pool.length) {
      this.#pool = grown(this.#pool, offset + words, (n) => new Uint32Array(n));
      this.#bytes = new Uint8Array(this.#pool.buffer);
    }
    this.#top = offset + words;
    return offset;
  }

  #freeBlock(offset: number, log: number): void {
    let list = this.#free[log];
    if (list === undefined) {
      list = [];
      this.#free[log] = list;
    }
    list.push(offset);
  }

  /** For {@link ArenaCell}: the registers' byte view and the cell's base in it. */
  writeRegistersOf(cell: number, target: Uint8Array, base: number): void {
    const from = this.#offset[cell]! * 4;
    target.set(this.#bytes.subarray(from, from + (1 << this.precision)), base);
  }
}

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
  mergeSketchInto(target: HyperLogLog): void {
    this.#arena.mergeSketchInto(this.#cell, target);
  }
  writeRegisters(target: Uint8Array, base: number): void {
    this.#arena.writeRegistersOf(this.#cell, target, base);
  }
}
