import { encodeUtf8Scratch, murmurHash3x86_32, PERSON_HASH_SEED, utf8ScratchBytes } from './string-hash.ts';

/**
 * Interns pseudonymous person ids into dense indices 0, 1, 2, … and remembers each id's 32-bit hash.
 * Distinct-people sets then hold small integers instead of strings, and the hash is computed once per person
 * rather than once per participation. Memory grows with distinct people, never with events.
 *
 * Everything is in typed arrays, no string or map entry per person: the ids' UTF-8 bytes end to end with
 * each one's end offset, the hashes, and an open-addressing table from hash to index. At national scale
 * (millions of people) that is a quarter of the memory of a `Map` of strings, the collector never walks it,
 * and a checkpoint restores it with four copies instead of millions of insertions.
 *
 * Indices are assigned in first-seen order, so a registry rebuilt by {@link PersonRegistry.fromIds} from
 * {@link PersonRegistry.ids} gives every person the same index; checkpoints of `PeopleSet`s rely on that.
 * An id with an unpaired surrogate is refused: its UTF-8 bytes would not tell it from U+FFFD (and no store
 * can keep such text, so no event carries one).
 */

/** A registry's arrays, as a checkpoint keeps them (cut to their used length, except the table). */
export interface PersonRegistryState {
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
  readonly hashes: Uint32Array;
  readonly table: Int32Array;
}

/** Grown by half, not doubled: a national registry's arrays are tens of megabytes each. */
const grown = <T extends Uint8Array | Uint32Array>(old: T, size: number, make: (n: number) => T): T => {
  if (size <= old.length) return old;
  const next = make(Math.max(size, Math.ceil(old.length * 1.5)));
  next.set(old);
  return next;
};

let decoder: { decode(bytes: Uint8Array): string } | undefined;

// Small loops of their own, so they are optimised as they run: at 10M they check 4.8 million ends and
// 16.8 million slots on every restore (85 ms inline in fromState, 72-75 ms this way: the table is 67 MB).

/** The first index whose end is below the one before it (the first end below 0), or -1. */
const firstDecrease = (ends: Uint32Array, size: number): number => {
  let previous = 0;
  for (let i = 0; i < size; i++) {
    const end = ends[i]!;
    if (end < previous) return i;
    previous = end;
  }
  return -1;
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

export class PersonRegistry {
  #bytes: Uint8Array = new Uint8Array(1024);
  #used = 0;
  #ends: Uint32Array = new Uint32Array(64);
  #hashes: Uint32Array = new Uint32Array(64);
  /** index + 1 per slot, 0 when empty; the home slot is chosen by the hash's top bits. */
  #table: Int32Array = new Int32Array(128);
  #shift = 32 - 7;
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
    this.#bytes = grown(this.#bytes, this.#used + length, (n) => new Uint8Array(n));
    this.#bytes.set(utf8ScratchBytes().subarray(0, length), this.#used);
    this.#used += length;
    this.#ends = grown(this.#ends, index + 1, (n) => new Uint32Array(n));
    this.#hashes = grown(this.#hashes, index + 1, (n) => new Uint32Array(n));
    this.#ends[index] = this.#used;
    this.#hashes[index] = hash;
    this.#table[slot] = index + 1;
    this.#size = index + 1;
    // Keep the table at most three quarters full: a probe past a taken slot reads that person's hash, and
    // at 3/4 a found id takes 2.5 probes on average, a new one 8.5 (half full: 1.5 and 2.5). Half full cost
    // 67 MB at 10M (4.8 million people in 16.8 million slots); three quarters, 34 MB.
    if (this.#size * 4 > this.#table.length * 3) this.#rehash(this.#table.length * 2);
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
    return decoder.decode(this.#bytes.subarray(index === 0 ? 0 : this.#ends[index - 1]!, this.#ends[index]!));
  }

  /** Iterates the interned ids in index order. */
  *ids(): IterableIterator<string> {
    for (let i = 0; i < this.#size; i++) yield this.idOf(i);
  }

  /**
   * Cuts the ids' bytes, their ends and their hashes to what they hold when growing by half left at least
   * `fromBytes` of them unused (and some), for a server to call when idle: after a fold from scratch up to a
   * third of each is room. The next intern grows them by half again. Returns the bytes given back.
   */
  trim(fromBytes = 0): number {
    const unused = this.#bytes.length - this.#used + (this.#ends.length - this.#size) * 8;
    if (unused === 0 || unused < fromBytes) return 0;
    this.#bytes = this.#bytes.slice(0, this.#used);
    this.#ends = this.#ends.slice(0, this.#size);
    this.#hashes = this.#hashes.slice(0, this.#size);
    return unused;
  }

  /** Bytes held, for memory accounting. */
  get byteLength(): number {
    return this.#bytes.byteLength + this.#ends.byteLength + this.#hashes.byteLength + this.#table.byteLength;
  }

  /** The registry's arrays for a checkpoint. */
  exportState(): PersonRegistryState {
    return {
      bytes: this.#bytes.slice(0, this.#used),
      ends: this.#ends.slice(0, this.#size),
      hashes: this.#hashes.slice(0, this.#size),
      table: this.#table.slice(),
    };
  }

  /**
   * Takes over arrays written by {@link exportState} (kept, not copied), after checking that they agree:
   * ends ascending within the bytes, one hash per id, and a table that holds every index exactly once.
   */
  static fromState(state: PersonRegistryState): PersonRegistry {
    const fail = (why: string): never => {
      throw new RangeError(`PersonRegistry.fromState: ${why}`);
    };
    const size = state.ends.length;
    const slots = state.table.length;
    if (state.hashes.length !== size) fail('one hash per id expected');
    if (!(slots >= 128 && (slots & (slots - 1)) === 0 && size * 4 <= slots * 3))
      fail(`a table of ${slots} slots`);
    const firstBadEnd = firstDecrease(state.ends, size);
    if (firstBadEnd >= 0) fail(`id ${firstBadEnd} ends before it starts`);
    if ((size === 0 ? 0 : state.ends[size - 1]!) !== state.bytes.length)
      fail('the ids do not fill the bytes');
    const held = countHeld(state.table, size);
    if (held < 0) fail(`table slot ${-held - 1} holds ${state.table[-held - 1]}`);
    if (held !== size) fail(`the table holds ${held} of ${size} ids`);
    const registry = new PersonRegistry();
    registry.#bytes = state.bytes;
    registry.#used = state.bytes.length;
    registry.#ends = state.ends;
    registry.#hashes = state.hashes;
    registry.#table = state.table;
    registry.#shift = 32 - Math.log2(slots);
    registry.#size = size;
    return registry;
  }

  #encode(id: string): number {
    const length = encodeUtf8Scratch(id);
    if (length < 0) throw new RangeError(`person id ${JSON.stringify(id)} contains an unpaired surrogate`);
    return length;
  }

  /** The slot holding the id now in the scratch buffer, or the empty slot where it would go. */
  #find(hash: number, length: number): number {
    const table = this.#table;
    const mask = table.length - 1;
    const probe = utf8ScratchBytes();
    let slot = Math.imul(hash, 0x9e3779b1) >>> this.#shift;
    for (;;) {
      const v = table[slot]!;
      if (v === 0) return slot;
      const index = v - 1;
      if (this.#hashes[index] === hash) {
        const start = index === 0 ? 0 : this.#ends[index - 1]!;
        if (this.#ends[index]! - start === length) {
          let same = true;
          for (let i = 0; i < length; i++) {
            if (this.#bytes[start + i] !== probe[i]) {
              same = false;
              break;
            }
          }
          if (same) return slot;
        }
      }
      slot = (slot + 1) & mask;
    }
  }

  #rehash(slots: number) {
    const table = new Int32Array(slots);
    const shift = 32 - Math.log2(slots);
    const mask = slots - 1;
    for (let index = 0; index < this.#size; index++) {
      let slot = Math.imul(this.#hashes[index]!, 0x9e3779b1) >>> shift;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = index + 1;
    }
    this.#table = table;
    this.#shift = shift;
  }

  #check(index: number): void {
    if (!(Number.isInteger(index) && index >= 0 && index < this.#size)) {
      throw new RangeError(`person index ${index} is not in this registry (size ${this.#size})`);
    }
  }
}
