/**
 * A Map filled on first use: for maps a restore would otherwise build at once and which are rarely read
 * before the next checkpoint (the stream versions of groups, directives and bodies; the directives'
 * adoptions were such maps until they became columns, see `Adoptions`). Every read or write fills it
 * first; after that it is a plain Map.
 */
export class LazyMap<K, V> extends Map<K, V> {
  #fill: ((set: (key: K, value: V) => void) => void) | undefined;

  constructor(fill: (set: (key: K, value: V) => void) => void) {
    super();
    this.#fill = fill;
  }

  #ready(): void {
    const fill = this.#fill;
    if (fill === undefined) return;
    this.#fill = undefined;
    fill((key, value) => super.set(key, value));
  }

  override get size(): number {
    this.#ready();
    return super.size;
  }
  override get(key: K): V | undefined {
    this.#ready();
    return super.get(key);
  }
  override has(key: K): boolean {
    this.#ready();
    return super.has(key);
  }
  override set(key: K, value: V): this {
    this.#ready();
    return super.set(key, value);
  }
  override delete(key: K): boolean {
    this.#ready();
    return super.delete(key);
  }
  override clear(): void {
    this.#fill = undefined;
    super.clear();
  }
  override forEach(fn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    this.#ready();
    super.forEach(fn, thisArg);
  }
  override entries(): MapIterator<[K, V]> {
    this.#ready();
    return super.entries();
  }
  override keys(): MapIterator<K> {
    this.#ready();
    return super.keys();
  }
  override values(): MapIterator<V> {
    this.#ready();
    return super.values();
  }
  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
}
