/**
 * A map from (node, key) — two unsigned 32-bit integers — to a cell id, as an open-addressing table in one
 * `Uint32Array` (three words per slot: node + 1, key, cell). It replaces a `Map` per node: no object or
 * entry per cell, and a checkpoint stores and restores it as one array.
 */
const STRIDE = 3;
const MIN_SLOTS = 16;

const mix = (node: number, key: number): number => {
  let h = Math.imul(node + 1, 0x9e3779b1) ^ Math.imul(key, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
};

export class CellIndex {
  #table: Uint32Array = new Uint32Array(MIN_SLOTS * STRIDE);
  #shift = 32 - Math.log2(MIN_SLOTS);
  #size = 0;

  /** The number of (node, key) pairs held. */
  get size(): number {
    return this.#size;
  }

  /** The cell of (node, key), or -1. */
  get(node: number, key: number): number {
    key >>>= 0;
    const table = this.#table;
    let at = (mix(node, key) >>> this.#shift) * STRIDE;
    const n = node + 1;
    for (;;) {
      const k = table[at]!;
      if (k === 0) return -1;
      if (k === n && table[at + 1] === key) return table[at + 2]!;
      at += STRIDE;
      if (at === table.length) at = 0;
    }
  }

  /** Records (node, key) → cell; the pair must not be present. */
  set(node: number, key: number, cell: number): void {
    key >>>= 0;
    if ((this.#size + 1) * 4 > (this.#table.length / STRIDE) * 3) this.#resize(this.#table.length * 2);
    this.#insert(node, key, cell);
    this.#size++;
  }

  /** Calls `visit` for every pair, in table order. */
  forEach(visit: (node: number, key: number, cell: number) => void): void {
    const table = this.#table;
    for (let at = 0; at < table.length; at += STRIDE) {
      if (table[at] !== 0) visit(table[at]! - 1, table[at + 1]!, table[at + 2]!);
    }
  }

  get byteLength(): number {
    return this.#table.byteLength;
  }

  /** The table for a checkpoint. */
  exportState(): Uint32Array {
    return this.#table.slice();
  }

  /** Takes over a table written by {@link exportState}, checking its shape and that cells are below `cells`. */
  importState(table: Uint32Array, cells: number): void {
    const slots = table.length / STRIDE;
    if (!(Number.isInteger(slots) && slots >= MIN_SLOTS && (slots & (slots - 1)) === 0)) {
      throw new RangeError(`CellIndex.importState: ${table.length} words is not a table`);
    }
    let size = 0;
    for (let at = 0; at < table.length; at += STRIDE) {
      if (table[at] === 0) continue;
      if (table[at + 2]! >= cells) {
        throw new RangeError(
          `CellIndex.importState: slot ${at / STRIDE} names cell ${table[at + 2]} of ${cells}`,
        );
      }
      size++;
    }
    this.#table = table;
    this.#shift = 32 - Math.log2(slots);
    this.#size = size;
  }

  #insert(node: number, key: number, cell: number) {
    const table = this.#table;
    let at = (mix(node, key) >>> this.#shift) * STRIDE;
    while (table[at] !== 0) {
      at += STRIDE;
      if (at === table.length) at = 0;
    }
    table[at] = node + 1;
    table[at + 1] = key;
    table[at + 2] = cell;
  }

  #resize(words: number) {
    const old = this.#table;
    this.#table = new Uint32Array(words);
    this.#shift = 32 - Math.log2(words / STRIDE);
    for (let at = 0; at < old.length; at += STRIDE) {
      if (old[at] !== 0) this.#insert(old[at]! - 1, old[at + 1]!, old[at + 2]!);
    }
  }
}
