import type { Hierarchy } from './hierarchy.ts';
import { LazyMap } from './lazy-map.ts';

const UNIT_PREFIX = 'unit-';

/**
 * The versions of the streams a decision may depend on (units, groups, directives, bodies; see
 * `Ledger`'s guards), by stream name. A unit's stream — `unit-<id>`, most of them: at 10M 130,000 —
 * keeps its version in an array by the unit's index in the hierarchy instead of a `Map` entry and a name
 * string of its own (about 90 bytes of heap each); the others in a `Map`, in the order first written.
 */
export class StreamVersions {
  readonly #hierarchy: Hierarchy;
  /** By unit index: the version of the unit's stream, 0 when none was written. */
  #units: Float64Array<ArrayBufferLike> = new Float64Array(64);
  #unitCount = 0;
  #others: Map<string, number> = new Map();

  constructor(hierarchy: Hierarchy) {
    this.#hierarchy = hierarchy;
  }

  /** The version of `stream`'s last event applied, or undefined when none was. */
  get(stream: string): number | undefined {
    const u = this.#unitOf(stream);
    if (u !== undefined && u < this.#units.length && this.#units[u]! > 0) return this.#units[u];
    return this.#others.get(stream);
  }

  set(stream: string, version: number): void {
    const u = this.#unitOf(stream);
    // A unit's stream whose unit is not in the tree (its founding was refused) is kept by name.
    if (u === undefined) {
      this.#others.set(stream, version);
      return;
    }
    if (u >= this.#units.length) {
      const next = new Float64Array(Math.max(u + 1, this.#units.length * 2));
      next.set(this.#units);
      this.#units = next;
    }
    if (this.#units[u] === 0) this.#unitCount++;
    this.#units[u] = version;
    // Kept by name while the unit was not in the tree: the array holds it from now on.
    if (this.#others.size > 0) this.#others.delete(stream);
  }

  /** How many streams have a version. */
  get size(): number {
    return this.#unitCount + this.#others.size;
  }

  /** Every stream with its version: units' in index order, then the others in the order first written. */
  *entries(): IterableIterator<[string, number]> {
    for (let u = 0; u < this.#units.length; u++) {
      const v = this.#units[u]!;
      if (v > 0) yield [UNIT_PREFIX + this.#hierarchy.unit(u).id, v];
    }
    yield* this.#others.entries();
  }

  /**
   * For a checkpoint: the units' versions by index (cut to the units there are), and the other streams'
   * names and versions.
   */
  exportState(): { units: Float64Array; names: string[]; versions: Float64Array } {
    return {
      units: this.#units.slice(0, this.#hierarchy.size),
      names: [...this.#others.keys()],
      versions: Float64Array.from(this.#others.values()),
    };
  }

  /**
   * Takes over a checkpoint's: the units' array as it is (it may be a view of the checkpoint's bytes); the
   * others' names decoded by `name` on first use (a restore that answers queries never needs them).
   */
  importState(units: Float64Array, versions: Float64Array, name: (i: number) => string): void {
    if (units.length > this.#hierarchy.size)
      throw new RangeError(
        `checkpoint: stream versions for ${units.length} units of ${this.#hierarchy.size}`,
      );
    let count = 0;
    for (let u = 0; u < units.length; u++) {
      const v = units[u]!;
      if (!(Number.isInteger(v) && v >= 0))
        throw new RangeError(`checkpoint: unit ${u}'s stream version is ${v}`);
      if (v > 0) count++;
    }
    this.#units = units;
    this.#unitCount = count;
    this.#others = new LazyMap((set) => {
      for (let i = 0; i < versions.length; i++) set(name(i), versions[i]!);
    });
  }

  /** The unit index of a unit's stream, when its unit is in the tree. */
  #unitOf(stream: string): number | undefined {
    if (!stream.startsWith(UNIT_PREFIX)) return undefined;
    return this.#hierarchy.indexOf(stream.slice(UNIT_PREFIX.length));
  }
}
