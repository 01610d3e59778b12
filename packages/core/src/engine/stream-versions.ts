/**
 * The versions of the streams decisions depend on (units, groups, directives, bodies): what the ledger
 * guards its writes with against a concurrent writer on another node.
 *
 * After a restore the checkpoint's names and versions are kept as they are and put in the map on first use
 * (the first write or guard after a restore): at 10M events they are hundreds of thousands of strings, and
 * a restore that only answers queries never needs them.
 */
export class StreamVersions {
  readonly #map = new Map<string, number>();
  #pending: (() => Iterable<readonly [string, number]>) | undefined;

  get(stream: string): number | undefined {
    return this.#loaded().get(stream);
  }

  set(stream: string, version: number): void {
    this.#loaded().set(stream, version);
  }

  get size(): number {
    return this.#loaded().size;
  }

  entries(): IterableIterator<[string, number]> {
    return this.#loaded().entries();
  }

  /**
   * Replaces the versions with what `load` will give, called on first use: it must stay valid until then
   * (a checkpoint's bytes do) and throw, at that point, on what it cannot read.
   */
  loadLater(load: () => Iterable<readonly [string, number]>): void {
    this.#map.clear();
    this.#pending = load;
  }

  #loaded(): Map<string, number> {
    const load = this.#pending;
    if (load !== undefined) {
      this.#pending = undefined;
      for (const [stream, version] of load()) this.#map.set(stream, version);
    }
    return this.#map;
  }
}
