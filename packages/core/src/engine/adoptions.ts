/** A unit's adoption of a directive: the day, and its own plan's number when it gave one. */
export interface Adoption {
  readonly day: number;
  readonly plan: string | undefined;
}

const EMPTY = new Int32Array(0);

/**
 * The units that adopted a directive, in the order they first did: columns of unit indices and days, the
 * plans of the rows that have one, and an open-addressing index from unit to row, built on first lookup.
 * Not a `Map` of objects: at 10M the directives' 210,000 adoptions were a map entry and an object each,
 * about 80 bytes; here about 16. A checkpoint's columns are taken over as they are, its plans decoded only
 * when asked for. Reads make a new {@link Adoption} each.
 */
export class Adoptions implements Iterable<[number, Adoption]> {
  #units: Int32Array<ArrayBufferLike> = EMPTY;
  #days: Int32Array<ArrayBufferLike> = EMPTY;
  #size = 0;
  /** Plans by row, for the rows that have one (a checkpoint's rows: those set since). */
  readonly #plans = new Map<number, string | undefined>();
  /** A checkpoint's plans by row, for its rows (below `#restored`) not set since. */
  #planOf: ((row: number) => string | undefined) | undefined;
  #restored = 0;
  /** Row + 1 by slot (0: empty), a power of two at least twice the rows; built on first lookup. */
  #index: Int32Array | undefined;

  /** Adoptions in the order given (a unit given twice keeps its first place and its last values). */
  static from(entries: Iterable<readonly [number, Adoption]>): Adoptions {
    const out = new Adoptions();
    for (const [unit, adoption] of entries) out.set(unit, adoption);
    return out;
  }

  /**
   * A checkpoint's adoptions: its columns (kept, not copied) and its plans by row, decoded when asked for.
   * A unit listed twice is refused when the index is first built.
   */
  static restored(
    units: Int32Array,
    days: Int32Array,
    planOf: (row: number) => string | undefined,
  ): Adoptions {
    if (days.length !== units.length) throw new RangeError('Adoptions: units and days differ in length');
    const out = new Adoptions();
    out.#units = units;
    out.#days = days;
    out.#size = units.length;
    out.#restored = units.length;
    out.#planOf = planOf;
    return out;
  }

  get size(): number {
    return this.#size;
  }

  has(unit: number): boolean {
    return this.#rowOf(unit) >= 0;
  }

  get(unit: number): Adoption | undefined {
    const row = this.#rowOf(unit);
    return row < 0 ? undefined : this.#at(row);
  }

  /** Records unit's adoption: in place when it adopted before, else after the others. */
  set(unit: number, adoption: Adoption): this {
    let row = this.#rowOf(unit);
    if (row < 0) {
      row = this.#size;
      if (row >= this.#units.length) this.#grow(row + 1);
      this.#units[row] = unit;
      this.#size = row + 1;
      this.#insert(unit, row);
    }
    this.#days[row] = adoption.day;
    if (adoption.plan !== undefined || row < this.#restored) this.#plans.set(row, adoption.plan);
    else this.#plans.delete(row);
    return this;
  }

  *keys(): IterableIterator<number> {
    for (let row = 0; row < this.#size; row++) yield this.#units[row]!;
  }

  *entries(): IterableIterator<[number, Adoption]> {
    for (let row = 0; row < this.#size; row++) yield [this.#units[row]!, this.#at(row)];
  }

  [Symbol.iterator](): IterableIterator<[number, Adoption]> {
    return this.entries();
  }

  #at(row: number): Adoption {
    const plan = this.#plans.has(row)
      ? this.#plans.get(row)
      : row < this.#restored
        ? this.#planOf?.(row)
        : undefined;
    return { day: this.#days[row]!, plan };
  }

  /**
   * Room for `rows` rows, in arrays of their own (a checkpoint's columns are copied out at the first new
   * row; its rows' plans are still read from it).
   */
  #grow(rows: number): void {
    const size = Math.max(rows, Math.ceil(this.#units.length * 1.5) + 4);
    const units = new Int32Array(size);
    units.set(this.#units.subarray(0, this.#size));
    const days = new Int32Array(size);
    days.set(this.#days.subarray(0, this.#size));
    this.#units = units;
    this.#days = days;
  }

  #rowOf(unit: number): number {
    if (this.#size === 0) return -1;
    const index = this.#indexed();
    const mask = index.length - 1;
    for (let slot = hash(unit) & mask; ; slot = (slot + 1) & mask) {
      const row = index[slot]! - 1;
      if (row < 0) return -1;
      if (this.#units[row] === unit) return row;
    }
  }

  #indexed(): Int32Array {
    if (this.#index !== undefined) return this.#index;
    let slots = 16;
    while (slots < this.#size * 2) slots *= 2;
    this.#index = new Int32Array(slots);
    for (let row = 0; row < this.#size; row++) {
      const unit = this.#units[row]!;
      if (this.#rowOf(unit) >= 0) throw new RangeError(`Adoptions: unit ${unit} adopted twice`);
      this.#insert(unit, row);
    }
    return this.#index;
  }

  #insert(unit: number, row: number): void {
    const index = this.#index;
    if (index === undefined) return;
    if ((row + 1) * 2 > index.length) {
      // Rebuilt at twice the size: rows are never removed, so the rows so far go back in order.
      this.#index = undefined;
      this.#indexed();
      return;
    }
    const mask = index.length - 1;
    let slot = hash(unit) & mask;
    while (index[slot] !== 0) slot = (slot + 1) & mask;
    index[slot] = row + 1;
  }
}

const hash = (unit: number): number => Math.imul(unit ^ (unit >>> 16), 0x9e3779b1) >>> 7;
