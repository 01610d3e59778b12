import { addToRegisters, type HyperLogLog, maxEntries, registerEntry } from '../measures/hyperloglog.ts';

/** Days kept per month: the longest month's. */
const DAYS = 31;

/** One view's day registers, as a checkpoint keeps them (see {@link DayRegisters.exportState}). */
export interface DayRegistersState {
  /** The month records that have registers, in the order they got them. */
  readonly records: Int32Array;
  /** Per record, then day (31 a record): -1 for a day kept whole, else its number of sparse entries. */
  readonly days: Int32Array;
  /** The 2^p registers of each day kept whole, end to end in record and day order. */
  readonly dense: Uint8Array;
  /** The entries of each sparse day (`index << 8 | rank`, by index), end to end in record and day order. */
  readonly sparse: Uint32Array;
}

/**
 * One record's days. Each day is kept whole (its 2^p registers) or sparse: an entry `index << 8 | rank` per
 * register that is not zero — a run sorted by index and unique, then entries appended since, unsorted —
 * until a sparse day would cost more than a whole one.
 */
export interface MonthDays {
  readonly dense: (Uint8Array | undefined)[];
  readonly sparse: (Uint32Array | undefined)[];
  /** Per day, how many of its sparse entries are in use (the sorted run and the appended ones). */
  readonly used: Int32Array;
  /**
   * Whether the days are laid out as {@link DayRegisters.compact} (or a checkpoint) leaves them: views of
   * one buffer, each sparse day sorted and cut to what it holds. Cleared when a day moves to an array of
   * its own (it outgrew its view) or the record is refilled.
   */
  tight: boolean;
}

/**
 * HyperLogLog registers of a subtree month, day by day: for each month record (see `MonthTally`) that has an
 * all-kinds month sketch, day d's registers hold the people who took part that day. The registers of any
 * run of days are then a register-wise max over those days — what a sketch of exactly the people in those
 * days would hold — so the days at the edges of a period ("the last 30 days") cost at most 31 merges of
 * 2^p bytes instead of a pass over every unit's participations in a large subtree.
 *
 * A day starts sparse and is made whole once its distinct registers pass a sixth of 2^p (then its entries,
 * with the room they grow into, would take about as many bytes). At 10M events the whole form left 83% of
 * 126 MB of registers at zero (a month sketch is made for a subtree's month, but many of its days are
 * small: weekends, the first days of a campaign).
 *
 * Whether a record's registers may be read is its month sketch's business: they are made and rebuilt with
 * it, take the same joins, and are not read while it is stale.
 */
export class DayRegisters {
  readonly #precision: number;
  /** Registers a day: 2^p. */
  readonly #m: number;
  /** Distinct registers past which a day is kept whole. */
  readonly #denseFrom: number;
  readonly #byRecord = new Map<number, MonthDays>();
  /** A month of whole registers, for a record being refilled (see {@link scratch}). */
  #scratch: Uint8Array | undefined;

  constructor(precision: number) {
    this.#precision = precision;
    this.#m = 2 ** precision;
    this.#denseFrom = Math.ceil(this.#m / 6);
  }

  /** The record's days, or undefined when it has none. */
  get(record: number): MonthDays | undefined {
    return this.#byRecord.get(record);
  }

  /** The record's days, emptied (made when missing). */
  reset(record: number): MonthDays {
    const kept = this.#byRecord.get(record);
    if (kept !== undefined) {
      kept.dense.fill(undefined);
      kept.sparse.fill(undefined);
      kept.used.fill(0);
      kept.tight = false;
      return kept;
    }
    const made = emptyMonth();
    this.#byRecord.set(record, made);
    return made;
  }

  /** Records a person (by hash) on day `dayOfMonth` (0-based) of the record's days. */
  add(month: MonthDays, dayOfMonth: number, hash32: number): void {
    const dense = month.dense[dayOfMonth];
    if (dense !== undefined) {
      addToRegisters(dense, 0, this.#precision, hash32);
      return;
    }
    let entries = month.sparse[dayOfMonth];
    const used = month.used[dayOfMonth]!;
    if (entries === undefined || used === entries.length) {
      entries = this.#room(month, dayOfMonth);
      if (entries === undefined) {
        addToRegisters(month.dense[dayOfMonth]!, 0, this.#precision, hash32);
        return;
      }
    }
    entries[month.used[dayOfMonth]!] = registerEntry(hash32, this.#precision);
    month.used[dayOfMonth]! += 1;
  }

  /**
   * Whole registers for the 31 days of a record about to be refilled, zeroed (one buffer, reused): filled
   * with {@link addWhole}, then made the record's by {@link commit}. A refill adds a month's people at once,
   * so they go straight into registers, and each day is then kept sized to what it holds.
   */
  scratch(): Uint8Array {
    this.#scratch ??= new Uint8Array(DAYS * this.#m);
    this.#scratch.fill(0);
    return this.#scratch;
  }

  /** Records a person (by hash) on day `dayOfMonth` (0-based) of {@link scratch}'s registers. */
  addWhole(scratch: Uint8Array, dayOfMonth: number, hash32: number): void {
    addToRegisters(scratch, dayOfMonth << this.#precision, this.#precision, hash32);
  }

  /** Makes `scratch`'s days the record's (made when missing), each in the form a checkpoint keeps. */
  commit(record: number, scratch: Uint8Array): MonthDays {
    const month = this.reset(record);
    for (let d = 0; d < DAYS; d++) {
      const form = this.#formOf(scratch.subarray(d * this.#m, (d + 1) * this.#m));
      if (form instanceof Uint8Array) month.dense[d] = form.slice();
      else if (form !== undefined) {
        month.sparse[d] = form;
        month.used[d] = form.length;
      }
    }
    return month;
  }

  /** Folds days `fromDay` to `toDay` (0-based, inclusive) of the record's days into `target`. */
  mergeDays(month: MonthDays, fromDay: number, toDay: number, target: HyperLogLog): void {
    for (let d = fromDay; d <= toDay; d++) {
      const dense = month.dense[d];
      if (dense !== undefined) target.mergeRegisters(dense, 0);
      else {
        const entries = month.sparse[d];
        if (entries !== undefined) target.mergeEntries(entries, month.used[d]!);
      }
    }
  }

  /**
   * Lays each record's days out in one buffer, at idle: every sparse day sorted, its duplicates dropped
   * (a register keeps its largest rank, as {@link exportState} does) and cut to what it holds, or made whole
   * once it holds {@link #denseFrom} registers; the sparse entries first, then the whole days. A sparse day
   * grows by half when full, so a fold leaves room, and a register met twice an entry each, in tens of
   * thousands of arrays of their own (at 10M, 23,000 sparse days in 39 MB). What a record's days say is
   * unchanged; a record already laid out and not grown since is skipped. Returns the bytes given back.
   */
  compact(): number {
    let saved = 0;
    for (const month of this.#byRecord.values()) {
      if (month.tight) continue;
      let entries = 0;
      let denseDays = 0;
      let before = 0;
      for (let d = 0; d < DAYS; d++) {
        const dense = month.dense[d];
        before += (dense?.byteLength ?? 0) + (month.sparse[d]?.byteLength ?? 0);
        if (dense !== undefined) {
          denseDays++;
          continue;
        }
        const n = this.#sorted(month, d);
        if (n === 0) month.sparse[d] = undefined;
        else if (n >= this.#denseFrom) {
          month.dense[d] = this.#whole(month.sparse[d]!, n);
          month.sparse[d] = undefined;
          month.used[d] = 0;
          denseDays++;
        } else entries += n;
      }
      const buffer = new ArrayBuffer(entries * 4 + denseDays * this.#m);
      let at = 0;
      for (let d = 0; d < DAYS; d++) {
        const sparse = month.sparse[d];
        if (sparse === undefined) continue;
        const n = month.used[d]!;
        const view = new Uint32Array(buffer, at * 4, n);
        view.set(sparse.subarray(0, n));
        month.sparse[d] = view;
        at += n;
      }
      let byte = entries * 4;
      for (let d = 0; d < DAYS; d++) {
        const dense = month.dense[d];
        if (dense === undefined) continue;
        const view = new Uint8Array(buffer, byte, this.#m);
        view.set(dense);
        month.dense[d] = view;
        byte += this.#m;
      }
      month.tight = true;
      saved += before - buffer.byteLength;
    }
    return saved;
  }

  /** How many records have registers. */
  get size(): number {
    return this.#byRecord.size;
  }

  /** Bytes held, room to grow included. */
  get byteLength(): number {
    let bytes = 0;
    for (const month of this.#byRecord.values()) {
      for (let d = 0; d < DAYS; d++) {
        bytes += month.dense[d]?.byteLength ?? 0;
        bytes += month.sparse[d]?.byteLength ?? 0;
      }
    }
    return bytes;
  }

  /**
   * The days as a checkpoint keeps them, in a form that depends only on their registers, not on the order
   * people came in: a day whose registers are not zero in {@link #denseFrom} places or more is written whole,
   * any other as its sorted entries (a day made whole early, or still sparse past the mark because it had
   * room, is written as the other form).
   */
  exportState(): DayRegistersState {
    const records = Int32Array.from(this.#byRecord.keys());
    const days = new Int32Array(records.length * DAYS);
    const forms: (Uint8Array | Uint32Array | undefined)[] = [];
    let denseDays = 0;
    let entries = 0;
    records.forEach((r, i) => {
      const month = this.#byRecord.get(r)!;
      for (let d = 0; d < DAYS; d++) {
        const form = this.#canonical(month, d);
        forms.push(form);
        if (form instanceof Uint8Array) {
          days[i * DAYS + d] = -1;
          denseDays++;
        } else {
          days[i * DAYS + d] = form?.length ?? 0;
          entries += form?.length ?? 0;
        }
      }
    });
    const dense = new Uint8Array(denseDays * this.#m);
    const sparse = new Uint32Array(entries);
    let atDense = 0;
    let atSparse = 0;
    for (const form of forms) {
      if (form instanceof Uint8Array) {
        dense.set(form, atDense);
        atDense += this.#m;
      } else if (form !== undefined) {
        sparse.set(form, atSparse);
        atSparse += form.length;
      }
    }
    return { records, days, dense, sparse };
  }

  /**
   * Takes over a checkpoint's days, as views of its bytes, after checking that they fit together and that
   * each sparse day's entries are registers of this precision, sorted and unique.
   */
  importState(state: DayRegistersState, recordCount: number): void {
    const fail = (why: string): never => {
      throw new RangeError(`day registers: ${why}`);
    };
    const { records, days, dense, sparse } = state;
    if (days.length !== records.length * DAYS)
      fail(`${days.length} days for ${records.length} records of ${DAYS}`);
    let denseDays = 0;
    let entries = 0;
    for (let k = 0; k < days.length; k++) {
      const n = days[k]!;
      if (n === -1) denseDays++;
      else if (n >= 0 && n < this.#m) entries += n;
      else fail(`day ${k % DAYS} of record #${Math.floor(k / DAYS)} says ${n} entries`);
    }
    if (dense.length !== denseDays * this.#m)
      fail(`${dense.length} bytes of whole days for ${denseDays} days of ${this.#m}`);
    if (sparse.length !== entries) fail(`${sparse.length} sparse entries where the days count ${entries}`);
    const maxRank = 33 - this.#precision;
    let atDense = 0;
    let atSparse = 0;
    const byRecord = new Map<number, MonthDays>();
    records.forEach((r, i) => {
      if (!(r >= 0 && r < recordCount)) fail(`they name month record ${r} of ${recordCount}`);
      if (byRecord.has(r)) fail(`month record ${r} appears twice`);
      const month = emptyMonth();
      for (let d = 0; d < DAYS; d++) {
        const n = days[i * DAYS + d]!;
        if (n < 0) {
          month.dense[d] = dense.subarray(atDense, atDense + this.#m);
          atDense += this.#m;
        } else if (n > 0) {
          const run = sparse.subarray(atSparse, atSparse + n);
          atSparse += n;
          let previous = -1;
          for (const entry of run) {
            const index = entry >>> 8;
            const rank = entry & 0xff;
            if (!(index > previous && index < this.#m && rank >= 1 && rank <= maxRank))
              fail(`record ${r}, day ${d}: entry ${entry} is not a register after ${previous}`);
            previous = index;
          }
          month.sparse[d] = run;
          month.used[d] = n;
        }
      }
      month.tight = true;
      byRecord.set(r, month);
    });
    this.#byRecord.clear();
    for (const [r, month] of byRecord) this.#byRecord.set(r, month);
  }

  /**
   * Room for one more entry on a sparse day: its entries sorted and made unique (a register keeps its
   * largest rank), then grown when more than three quarters full. Makes the day whole instead, and returns
   * undefined, once it holds {@link #denseFrom} registers.
   */
  #room(month: MonthDays, d: number): Uint32Array | undefined {
    const n = month.sparse[d] === undefined ? 0 : this.#sorted(month, d);
    const entries = month.sparse[d];
    if (n >= this.#denseFrom) {
      month.dense[d] = this.#whole(entries!, n);
      month.sparse[d] = undefined;
      month.used[d] = 0;
      month.tight = false;
      return undefined;
    }
    if (entries !== undefined && n * 4 < entries.length * 3) return entries;
    month.tight = false;
    const grown = new Uint32Array(Math.max(8, Math.ceil(n * 1.5)));
    if (entries !== undefined) grown.set(entries.subarray(0, n));
    month.sparse[d] = grown;
    return grown;
  }

  /** A day's registers whole, or its sorted entries (undefined: none), as {@link exportState} writes it. */
  #canonical(month: MonthDays, d: number): Uint8Array | Uint32Array | undefined {
    const dense = month.dense[d];
    if (dense !== undefined) return this.#formOf(dense);
    const n = this.#sorted(month, d);
    if (n === 0) return undefined;
    const entries = month.sparse[d]!;
    return n < this.#denseFrom ? entries.subarray(0, n) : this.#whole(entries, n);
  }

  /** A day's registers made whole from its first `count` entries. */
  #whole(entries: Uint32Array, count: number): Uint8Array {
    const registers = new Uint8Array(this.#m);
    maxEntries(registers, entries, count);
    return registers;
  }

  /**
   * A day's whole registers as a checkpoint keeps them: themselves when {@link #denseFrom} or more are set,
   * else the set ones as sorted entries (undefined when none is).
   */
  #formOf(registers: Uint8Array): Uint8Array | Uint32Array | undefined {
    let held = 0;
    for (let j = 0; j < this.#m; j++) if (registers[j] !== 0) held++;
    if (held >= this.#denseFrom) return registers;
    if (held === 0) return undefined;
    const entries = new Uint32Array(held);
    let n = 0;
    for (let j = 0; j < this.#m; j++) if (registers[j] !== 0) entries[n++] = ((j << 8) | registers[j]!) >>> 0;
    return entries;
  }

  /** Sorts a sparse day's entries by register and keeps each register's largest rank; returns their count. */
  #sorted(month: MonthDays, d: number): number {
    const entries = month.sparse[d];
    const used = month.used[d]!;
    if (entries === undefined || used === 0) return 0;
    const run = entries.subarray(0, used);
    run.sort();
    // Sorted as numbers, a register's entries are adjacent, its largest rank last.
    let n = 0;
    for (let i = 0; i < used; i++) {
      const entry = run[i]!;
      if (i + 1 < used && run[i + 1]! >>> 8 === entry >>> 8) continue;
      run[n++] = entry;
    }
    month.used[d] = n;
    return n;
  }
}

const emptyMonth = (): MonthDays => ({
  dense: new Array<Uint8Array | undefined>(DAYS).fill(undefined),
  sparse: new Array<Uint32Array | undefined>(DAYS).fill(undefined),
  used: new Int32Array(DAYS),
  tight: false,
});
