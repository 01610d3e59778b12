import { encodeUtf8Scratch, murmurHash3x86_32, PERSON_HASH_SEED, utf8ScratchBytes } from './string-hash.ts';

/**
 * A registry's arrays, as a checkpoint keeps them (cut to their used length, except the table): the ids'
 * bytes end to end, each id's length in bytes, its hash, and the table.
 */
export interface PersonRegistryState {
  readonly bytes: Uint8Array;
  readonly lengths: Uint8Array;
  readonly hashes: Uint32Array;
  readonly table: Int32Array;
}

/** The longest id in UTF-8 bytes: a length is a byte (a person id of the catalogue is at most 64). */
export const MAX_PERSON_ID_BYTES = 255;
/** Ids per entry of the starts: an id's first byte is its group's start plus the lengths before it there. */
const GROUP_BITS = 4;
const GROUP = 1 << GROUP_BITS;
/** The fewest slots a table has. */
const MIN_SLOTS = 128;
/**
 * The most slots a table has: a home slot is `(mixed hash >>> 6) × slots × 2^-26`, exact below 2^53 (see
 * {@link homeOf}); 2^27 slots hold 100 million people.
 */
const MAX_SLOTS = 2 ** 27;
/** The most people a registry holds: its largest table three quarters full. */
const MAX_PEOPLE = Math.floor((MAX_SLOTS * 3) / 4);
/** The home slot of `hash` in a table of `slots` (any size, not only a power of two). */
const homeOf = (hash: number, slots: number): number =>
  Math.floor((Math.imul(hash, 0x9e3779b1) >>> 6) * slots * 2 ** -26);
/**
 * Slots for `size` ids at `load` (a fraction), rounded up to a multiple of 64 so that the sizes a registry
 * goes through are few.
 */
const slotsFor = (size: number, load: number): number =>
  Math.min(MAX_SLOTS, Math.max(MIN_SLOTS, Math.ceil(size / load / 64) * 64));
/**
 * A table is grown when more than three quarters full, to three eighths full (doubled, as the rehashes of a
 * fold cost a pass over every id each: grown by half, a 4.8-million fold interned 15% slower).
 */
const fullAt = (slots: number): number => Math.floor((slots * 3) / 4);
const GROWN_LOAD = 3 / 8;
/**
 * What {@link PersonRegistry.trim} cuts a table to: two thirds full, so the next few hundred thousand new
 * people at national scale do not grow it at once.
 */
const TRIMMED_LOAD = 2 / 3;

/** Grown by half, not doubled: a national registry's arrays are tens of megabytes each. */
const grown = <T extends Uint8Array | Uint32Array>(old: T, size: number, make: (n: number) => T): T => {
  if (size <= old.length) return old;
  const next = make(Math.max(size, Math.ceil(old.length * 1.5)));
  next.set(old);
  return next;
};

let decoder: { decode(bytes: Uint8Array): string } | undefined;

// Small loops of their own, so they are optimised as they run: at 10M a restore checks 4.8 million lengths
// and as many table slots.

/** The sum of `lengths[0..size)`, and the start of every group of {@link GROUP} ids in `starts`. */
const groupStarts = (lengths: Uint8Array, size: number, starts: Uint32Array): number => {
  let at = 0;
  for (let i = 0; i < size; i++) {
    if ((i & (GROUP - 1)) === 0) starts[i >>> GROUP_BITS] = at;
    at += lengths[i]!;
  }
  return at;
};

/** How many slots hold an id, or -(slot + 1) for the first that holds something other than 0..size. */
const countHeld = (table: Int32Array, size: number): number => {
  let held = 0;
  for (let s = 0; s < table.length; s++) {
    const v = table[s]!;
    if (v !== 0) {
      if (v < 0 || v > size) return -(s + 1);
      held++;
    }
  }
  return held;
};

/**
 * Interns pseudonymous person ids into dense indices 0, 1, 2, … and remembers each id's 32-bit hash.
 * Distinct-people sets then hold small integers instead of strings, and the hash is computed once per person
 * rather than once per participation. Memory grows with distinct people, never with events.
 *
 * Everything is in typed arrays, no string or map entry per person: the ids' UTF-8 bytes end to end, each
 * one's length in a byte and, per 16 ids, where the first of them starts (an id's start is that plus up to
 * 15 lengths: 1.25 bytes an id, where an end offset each took 4 — 13 MB at 10M), the hashes, and an
 * open-addressing table from hash to index of any size (doubled past three quarters full, cut to two
 * thirds at idle: a power of two left it 57% full at 10M). At national scale (millions of people) that is a
 * fraction of the memory of a `Map` of strings, the collector never walks it, and a checkpoint restores it
 * with a few copies instead of millions of insertions.
 *
 * Indices are assigned in first-seen order, so a registry rebuilt by {@link PersonRegistry.fromIds} from
 * {@link PersonRegistry.ids} gives every person the same index; checkpoints of `PeopleSet`s rely on that.
 * An id with an unpaired surrogate is refused: its UTF-8 bytes would not tell it from U+FFFD (and no store
 * can keep such text, so no event carries one); so is one of more than {@link MAX_PERSON_ID_BYTES} bytes.
 */
export class PersonRegistry {
  #bytes: Uint8Array = new Uint8Array(1024);
  #used = 0;
  #lengths: Uint8Array = new Uint8Array(64);
  /** The first byte of ids 0, 16, 32, … */
  #starts: Uint32Array = new Uint32Array(4);
  #hashes: Uint32Array = new Uint32Array(64);
  /** index + 1 per slot, 0 when empty; the home slot is {@link homeOf} the hash. */
  #table: Int32Array = new Int32Array(MIN_SLOTS);
  #full = fullAt(MIN_SLOTS);
  #size = 0;

  /** Builds a registry whose indices follow `ids` in order; throws if an id repeats, as indices would shift. */
  static fromIds(ids: Iterable<string>): PersonRegistry {
    const registry = new PersonRegistry();
    for (const id of ids) {
      if (registry.lookup(id) !== undefined) {
        throw new RangeError(`PersonRegistry.fromIds: '${id}' appears twice; indices would not round-trip`);
      }
      registry.intern(id);
    }
    return registry;
  }

  /** The number of distinct people interned so far; valid indices are `0 .. size - 1`. */
  get size(): number {
    return this.#size;
  }

  /** Returns the index of `id`, assigning the next free index (and hashing the id) on first sight. */
  intern(id: string): number {
    const length = this.#encode(id);
    const hash = murmurHash3x86_32(utf8ScratchBytes(), PERSON_HASH_SEED, length);
    const slot = this.#find(hash, length);
    if (this.#table[slot] !== 0) return this.#table[slot]! - 1;
    const index = this.#size;
    if (index === MAX_PEOPLE)
      throw new RangeError(`a registry holds at most ${MAX_PEOPLE} people (its table ${MAX_SLOTS} slots)`);
    this.#bytes = grown(this.#bytes, this.#used + length, (n) => new Uint8Array(n));
    this.#bytes.set(utf8ScratchBytes().subarray(0, length), this.#used);
    if ((index & (GROUP - 1)) === 0) {
      this.#starts = grown(this.#starts, (index >>> GROUP_BITS) + 1, (n) => new Uint32Array(n));
      this.#starts[index >>> GROUP_BITS] = this.#used;
    }
    this.#used += length;
    this.#lengths = grown(this.#lengths, index + 1, (n) => new Uint8Array(n));
    this.#hashes = grown(this.#hashes, index + 1, (n) => new Uint32Array(n));
    this.#lengths[index] = length;
    this.#hashes[index] = hash;
    this.#table[slot] = index + 1;
    this.#size = index + 1;
    // Keep the table at most three quarters full: a probe past a taken slot reads that person's hash, and
    // at 3/4 a found id takes 2.5 probes on average, a new one 8.5 (half full: 1.5 and 2.5).
    if (this.#size > this.#full) this.#rehash(slotsFor(this.#size, GROWN_LOAD));
    return index;
  }

  /** Returns the index of `id` if it has been interned, without interning it. */
  lookup(id: string): number | undefined {
    const length = this.#encode(id);
    const hash = murmurHash3x86_32(utf8ScratchBytes(), PERSON_HASH_SEED, length);
    const found = this.#table[this.#find(hash, length)]!;
    return found === 0 ? undefined : found - 1;
  }

  /** Returns the uint32 hash of the person at `index` (MurmurHash3 x86_32 of the id's UTF-8 bytes). */
  hashOf(index: number): number {
    this.#check(index);
    return this.#hashes[index]!;
  }

  /**
   * Every interned person's hash by index, as the live array (valid for indices below {@link size}; a later
   * intern may replace it): for loops over many members, which would pay a checked call per member.
   */
  get hashes(): Uint32Array {
    return this.#hashes;
  }

  /** Returns the id of the person at `index`, for drill-down lists. */
  idOf(index: number): string {
    this.#check(index);
    decoder ??= new TextDecoder();
    const start = this.#startOf(index);
    return decoder.decode(this.#bytes.subarray(start, start + this.#lengths[index]!));
  }

  /** Iterates the interned ids in index order. */
  *ids(): IterableIterator<string> {
    for (let i = 0; i < this.#size; i++) yield this.idOf(i);
  }

  /**
   * Cuts the ids' bytes, their lengths, starts and hashes to what they hold when growing by half left at
   * least `fromBytes` of them unused (and some), and the table to two thirds full when it is less (by more
   * than `fromBytes` too), for a server to call when idle: after a fold from scratch up to a third of each
   * is room. The next intern grows them by half again. Returns the bytes given back.
   */
  trim(fromBytes = 0): number {
    const groups = (this.#size + GROUP - 1) >>> GROUP_BITS;
    const unused =
      this.#bytes.length -
      this.#used +
      (this.#lengths.length - this.#size) * 5 +
      (this.#starts.length - groups) * 4;
    let given = 0;
    if (unused > 0 && unused >= fromBytes) {
      this.#bytes = this.#bytes.slice(0, this.#used);
      this.#lengths = this.#lengths.slice(0, this.#size);
      this.#hashes = this.#hashes.slice(0, this.#size);
      this.#starts = this.#starts.slice(0, groups);
      given = unused;
    }
    const slots = slotsFor(this.#size, TRIMMED_LOAD);
    const spare = (this.#table.length - slots) * 4;
    if (spare > 0 && spare >= fromBytes) {
      this.#rehash(slots);
      given += spare;
    }
    return given;
  }

  /** Bytes held, for memory accounting. */
  get byteLength(): number {
    return (
      this.#bytes.byteLength +
      this.#lengths.byteLength +
      this.#starts.byteLength +
      this.#hashes.byteLength +
      this.#table.byteLength
    );
  }

  /** The registry's arrays for a checkpoint. */
  exportState(): PersonRegistryState {
    return {
      bytes: this.#bytes.slice(0, this.#used),
      lengths: this.#lengths.slice(0, this.#size),
      hashes: this.#hashes.slice(0, this.#size),
      table: this.#table.slice(),
    };
  }

  /**
   * Takes over arrays written by {@link exportState} (kept, not copied), after checking that they agree:
   * lengths that fill the bytes, one hash per id, and a table that holds every index exactly once and is at
   * most three quarters full.
   */
  static fromState(state: PersonRegistryState): PersonRegistry {
    const fail = (why: string): never => {
      throw new RangeError(`PersonRegistry.fromState: ${why}`);
    };
    const size = state.lengths.length;
    const slots = state.table.length;
    if (state.hashes.length !== size) fail('one hash per id expected');
    if (!(slots >= MIN_SLOTS && slots <= MAX_SLOTS && size <= fullAt(slots)))
      fail(`a table of ${slots} slots`);
    const starts = new Uint32Array(Math.max(4, (size + GROUP - 1) >>> GROUP_BITS));
    if (groupStarts(state.lengths, size, starts) !== state.bytes.length)
      fail('the ids do not fill the bytes');
    const held = countHeld(state.table, size);
    if (held < 0) fail(`table slot ${-held - 1} holds ${state.table[-held - 1]}`);
    if (held !== size) fail(`the table holds ${held} of ${size} ids`);
    const registry = new PersonRegistry();
    registry.#bytes = state.bytes;
    registry.#used = state.bytes.length;
    registry.#lengths = state.lengths;
    registry.#starts = starts;
    registry.#hashes = state.hashes;
    registry.#table = state.table;
    registry.#full = fullAt(slots);
    registry.#size = size;
    return registry;
  }

  #encode(id: string): number {
    const length = encodeUtf8Scratch(id);
    if (length < 0) throw new RangeError(`person id ${JSON.stringify(id)} contains an unpaired surrogate`);
    if (length > MAX_PERSON_ID_BYTES)
      throw new RangeError(
        `person id of ${length} UTF-8 bytes: at most ${MAX_PERSON_ID_BYTES} (the catalogue's are at most 64)`,
      );
    return length;
  }

  /** The first byte of id `index`: its group's start and the lengths before it in the group. */
  #startOf(index: number): number {
    let at = this.#starts[index >>> GROUP_BITS]!;
    for (let i = index & ~(GROUP - 1); i < index; i++) at += this.#lengths[i]!;
    return at;
  }

  /** The slot holding the id now in the scratch buffer, or the empty slot where it would go. */
  #find(hash: number, length: number): number {
    const table = this.#table;
    const slots = table.length;
    const probe = utf8ScratchBytes();
    let slot = homeOf(hash, slots);
    for (;;) {
      const v = table[slot]!;
      if (v === 0) return slot;
      const index = v - 1;
      if (this.#hashes[index] === hash && this.#lengths[index] === length) {
        const start = this.#startOf(index);
        let same = true;
        for (let i = 0; i < length; i++) {
          if (this.#bytes[start + i] !== probe[i]) {
            same = false;
            break;
          }
        }
        if (same) return slot;
      }
      slot = slot + 1 === slots ? 0 : slot + 1;
    }
  }

  #rehash(slots: number) {
    const table = new Int32Array(slots);
    for (let index = 0; index < this.#size; index++) {
      let slot = homeOf(this.#hashes[index]!, slots);
      while (table[slot] !== 0) slot = slot + 1 === slots ? 0 : slot + 1;
      table[slot] = index + 1;
    }
    this.#table = table;
    this.#full = fullAt(slots);
  }

  #check(index: number): void {
    if (!(Number.isInteger(index) && index >= 0 && index < this.#size)) {
      throw new RangeError(`person index ${index} is not in this registry (size ${this.#size})`);
    }
  }
}
