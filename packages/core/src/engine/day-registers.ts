import { addToRegisters, type HyperLogLog } from '../measures/hyperloglog.ts';

/** Days kept per month: the longest month's. */
const DAYS = 31;

/** One view's day registers, as a checkpoint keeps them: the records that have them, and their bytes. */
export interface DayRegistersState {
  readonly records: Int32Array;
  readonly data: Uint8Array;
}

/**
 * HyperLogLog registers of a subtree month, day by day: for each month record (see `MonthTally`) that has an
 * all-kinds month sketch, 31 × 2^p bytes, day d's registers holding the people who took part that day. The
 * registers of any run of days are then a register-wise max over those days — what a sketch of exactly the
 * people in those days would hold — so the days at the edges of a period ("the last 30 days") cost at most
 * 31 merges of 2^p bytes instead of a pass over every unit's participations in a large subtree.
 *
 * Whether a record's registers may be read is its month sketch's business: they are made and rebuilt with
 * it, take the same joins, and are not read while it is stale.
 */
export class DayRegisters {
  readonly #precision: number;
  readonly #size: number;
  readonly #byRecord = new Map<number, Uint8Array>();

  constructor(precision: number) {
    this.#precision = precision;
    this.#size = DAYS << precision;
  }

  /** The record's registers, or undefined when it has none. */
  get(record: number): Uint8Array | undefined {
    return this.#byRecord.get(record);
  }

  /** The record's registers, emptied (made when missing). */
  reset(record: number): Uint8Array {
    const kept = this.#byRecord.get(record);
    if (kept !== undefined) {
      kept.fill(0);
      return kept;
    }
    const made = new Uint8Array(this.#size);
    this.#byRecord.set(record, made);
    return made;
  }

  /** Records a person (by hash) on day `dayOfMonth` (0-based) of the registers. */
  add(registers: Uint8Array, dayOfMonth: number, hash32: number): void {
    addToRegisters(registers, dayOfMonth << this.#precision, this.#precision, hash32);
  }

  /** Folds days `fromDay` to `toDay` (0-based, inclusive) of the registers into `target`. */
  mergeDays(registers: Uint8Array, fromDay: number, toDay: number, target: HyperLogLog): void {
    for (let d = fromDay; d <= toDay; d++) target.mergeRegisters(registers, d << this.#precision);
  }

  /** How many records have registers. */
  get size(): number {
    return this.#byRecord.size;
  }

  get byteLength(): number {
    return this.#byRecord.size * this.#size;
  }

  exportState(): DayRegistersState {
    const records = Int32Array.from(this.#byRecord.keys());
    const data = new Uint8Array(records.length * this.#size);
    records.forEach((r, i) => {
      data.set(this.#byRecord.get(r)!, i * this.#size);
    });
    return { records, data };
  }

  importState(state: DayRegistersState, recordCount: number): void {
    if (state.data.length !== state.records.length * this.#size) {
      throw new RangeError(
        `day registers: ${state.data.length} bytes for ${state.records.length} records of ${this.#size}`,
      );
    }
    this.#byRecord.clear();
    state.records.forEach((r, i) => {
      if (!(r >= 0 && r < recordCount))
        throw new RangeError(`day registers name month record ${r} of ${recordCount}`);
      this.#byRecord.set(r, state.data.subarray(i * this.#size, (i + 1) * this.#size));
    });
  }
}
