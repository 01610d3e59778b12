import { hashPersonId } from './string-hash.ts';

/**
 * Interns pseudonymous person ids into dense indices 0, 1, 2, … and remembers each id's 32-bit hash.
 * Distinct-people sets then hold small integers instead of strings, and the hash is computed once per person
 * rather than once per participation. Memory grows with distinct people, never with events: one Map entry,
 * one array slot and four bytes of hash per person.
 *
 * Indices are assigned in first-seen order, so a registry rebuilt by {@link PersonRegistry.fromIds} from
 * {@link PersonRegistry.ids} gives every person the same index; checkpoints of `PeopleSet`s rely on that.
 */
export class PersonRegistry {
  readonly #indexById = new Map<string, number>();
  readonly #ids: string[] = [];
  #hashes = new Uint32Array(64);

  /** Builds a registry whose indices follow `ids` in order; throws if an id repeats, as indices would shift. */
  static fromIds(ids: Iterable<string>): PersonRegistry {
    const registry = new PersonRegistry();
    for (const id of ids) {
      if (registry.#indexById.has(id)) {
        throw new RangeError(`PersonRegistry.fromIds: '${id}' appears twice; indices would not round-trip`);
      }
      registry.intern(id);
    }
    return registry;
  }

  /** The number of distinct people interned so far; valid indices are `0 .. size - 1`. */
  get size(): number {
    return this.#ids.length;
  }

  /** Returns the index of `id`, assigning the next free index (and hashing the id) on first sight. */
  intern(id: string): number {
    const known = this.#indexById.get(id);
    if (known !== undefined) return known;
    const index = this.#ids.length;
    if (index === this.#hashes.length) {
      // Doubling keeps interning amortised O(1) while the hashes stay in one flat typed array.
      const grown = new Uint32Array(this.#hashes.length * 2);
      grown.set(this.#hashes);
      this.#hashes = grown;
    }
    this.#hashes[index] = hashPersonId(id);
    this.#ids.push(id);
    this.#indexById.set(id, index);
    return index;
  }

  /** Returns the index of `id` if it has been interned, without interning it. */
  lookup(id: string): number | undefined {
    return this.#indexById.get(id);
  }

  /** Returns the uint32 hash of the person at `index` (MurmurHash3 x86_32 of the id's UTF-8 bytes). */
  hashOf(index: number): number {
    this.#check(index);
    return this.#hashes[index]!;
  }

  /** Returns the id of the person at `index`, for drill-down lists. */
  idOf(index: number): string {
    this.#check(index);
    return this.#ids[index]!;
  }

  /** Iterates the interned ids in index order, which is what a checkpoint must store. */
  ids(): IterableIterator<string> {
    return this.#ids.values();
  }

  #check(index: number): void {
    if (!(Number.isInteger(index) && index >= 0 && index < this.#ids.length)) {
      throw new RangeError(`person index ${index} is not in this registry (size ${this.#ids.length})`);
    }
  }
}
