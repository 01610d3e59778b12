import { CellIndex } from './cell-index.ts';

/** A tally's arrays, as a checkpoint keeps them. */
export interface MonthTallyState {
  readonly index: Uint32Array;
  readonly counts: Int32Array;
  readonly cells: Int32Array;
}

/**
 * Per (node, month): a running count, and the id of one cell kept for the month, or -1. The people projection
 * counts here the exact members of a node's descendants' cells of the month across kinds and channels, and
 * names the month's all-kinds sketch once it has one. Records live in two typed arrays behind a
 * {@link CellIndex}, so a checkpoint holds three arrays, not an object per month.
 */
export class MonthTally {
  readonly #index = new CellIndex();
  #counts: Int32Array = new Int32Array(16);
  #cells: Int32Array = new Int32Array(16).fill(-1);

  /** The number of (node, month) records. */
  get size(): number {
    return this.#index.size;
  }

  /** The record of (node, month), or -1. */
  find(node: number, month: number): number {
    return this.#index.get(node, month);
  }

  /** The record of (node, month), created (count 0, no cell) when absent. */
  record(node: number, month: number): number {
    const found = this.#index.get(node, month);
    if (found >= 0) return found;
    const r = this.#index.size;
    if (r === this.#counts.length) {
      const counts = new Int32Array(Math.max(16, r * 2));
      counts.set(this.#counts);
      this.#counts = counts;
      const cells = new Int32Array(counts.length).fill(-1);
      cells.set(this.#cells);
      this.#cells = cells;
    }
    this.#index.set(node, month, r);
    return r;
  }

  count(r: number): number {
    return this.#counts[r]!;
  }

  /** Adds `delta` to the record's count and returns the new count. */
  addCount(r: number, delta: number): number {
    this.#counts[r]! += delta;
    return this.#counts[r]!;
  }

  cell(r: number): number {
    return this.#cells[r]!;
  }

  setCell(r: number, cell: number): void {
    this.#cells[r] = cell;
  }

  /** Calls `visit` for every record with a cell (months before 1900 come back negative). */
  forEachCell(visit: (node: number, month: number, cell: number) => void): void {
    this.#index.forEach((node, month, r) => {
      const cell = this.#cells[r]!;
      if (cell >= 0) visit(node, month | 0, cell);
    });
  }

  get byteLength(): number {
    return this.#index.byteLength + this.#counts.byteLength + this.#cells.byteLength;
  }

  exportState(): MonthTallyState {
    const n = this.#index.size;
    return {
      index: this.#index.exportState(),
      counts: this.#counts.slice(0, n),
      cells: this.#cells.slice(0, n),
    };
  }

  /** Takes over arrays written by {@link exportState}, checking that they agree and cells are below `cells`. */
  importState(state: MonthTallyState, cells: number): void {
    const n = state.counts.length;
    if (state.cells.length !== n) throw new RangeError('MonthTally.importState: arrays differ in length');
    for (let r = 0; r < n; r++) {
      const cell = state.cells[r]!;
      if (cell < -1 || cell >= cells) {
        throw new RangeError(`MonthTally.importState: record ${r} names cell ${cell} of ${cells}`);
      }
    }
    this.#index.importState(state.index, n);
    if (this.#index.size !== n) {
      throw new RangeError(`MonthTally.importState: ${this.#index.size} keys for ${n} records`);
    }
    this.#counts = state.counts;
    this.#cells = state.cells;
  }
}
