import { ByteChains } from './byte-chains.ts';
import { ListIndex, packByteLists, type SnapshotReader, type SnapshotWriter } from './snapshot-codec.ts';

/**
 * For each unit, the log positions of the events that changed its own figures, with the day and slot they
 * touched: what "explain" drills down to, reading a unit's whole list in order. Kept as one byte stream per
 * unit of (day, slot, position) records, each field a variable-length number: the day and the position as
 * zigzag differences from the record before, the slot as it is. A unit's records come in log order (its
 * positions rise, its days mostly repeat or step forward), so a record takes 3 to 5 bytes instead of the
 * 12 of three int32 words: at 10M, 10.7 million records, 129 MB as words. The streams live in one pool
 * ({@link ByteChains}), not in an array each; a restored checkpoint's stay where they lie until their unit
 * is next appended to.
 */
export class ContributionLog {
  #chains = new ByteChains();
  /**
   * Each unit's last record's day and position, which the next record is written against; NaN until known
   * (a restored unit's are read off its stream on its first append).
   */
  #lastDay: Float64Array = new Float64Array(0);
  #lastPosition: Float64Array = new Float64Array(0);
  /** A restored checkpoint's streams, viewed when a unit's is first asked for (see {@link #listOf}). */
  #restored: ListIndex<Uint8Array> | undefined;

  add(u: number, day: number, slot: number, position: number): void {
    if (!(whole(day) && whole(position) && whole(slot) && slot >= 0))
      throw new RangeError(
        `ContributionLog.add: day ${day}, slot ${slot} and position ${position} must be whole numbers within ±2^51`,
      );
    this.#ensureTails(u + 1);
    const restored = this.#restored?.has(u) ? this.#checked(u) : undefined;
    const n = restored?.length ?? this.#chains.length(u);
    if (n > 0 && Number.isNaN(this.#lastDay[u]!)) this.#readTail(u);
    const lastDay = n === 0 ? 0 : this.#lastDay[u]!;
    const lastPosition = n === 0 ? 0 : this.#lastPosition[u]!;
    const record = RECORD;
    let at = writeVarint(record, 0, zigzag(day - lastDay));
    at = writeVarint(record, at, slot);
    at = writeVarint(record, at, zigzag(position - lastPosition));
    // A restored stream moves into the pool on its unit's first append after the restore.
    if (restored !== undefined) {
      this.#chains.append(u, restored);
      this.#restored!.take(u);
    }
    this.#chains.append(u, record.subarray(0, at));
    this.#lastDay[u] = day;
    this.#lastPosition[u] = position;
  }

  /** Positions of the unit's contributions on days in [fromDay, toDay] whose slot passes `mask`, in log order. */
  positions(
    u: number,
    fromDay: number,
    toDay: number,
    mask: Uint8Array | null,
    upTo = Number.POSITIVE_INFINITY,
  ): number[] {
    const out: number[] = [];
    this.#forEach(u, (day, slot, position) => {
      if (day < fromDay || day > toDay || position > upTo) return;
      if (mask !== null && mask[slot] !== 1) return;
      out.push(position);
    });
    return [...new Set(out)];
  }

  /** The log's state for a checkpoint: every unit's stream end to end, and each unit's length in bytes. */
  exportState(w: SnapshotWriter) {
    const lists: [number, Uint8Array][] = [];
    const units = Math.max(this.#chains.owners, this.#restored?.owners ?? 0);
    for (let u = 0; u < units; u++) {
      // A restored stream not appended to since goes back as it came, unchecked.
      const stream =
        this.#restored?.words(u) ?? (this.#chains.length(u) > 0 ? this.#chains.copy(u) : undefined);
      if (stream !== undefined && stream.length > 0) lists.push([u, stream]);
    }
    return packByteLists(w, lists);
  }

  /**
   * Takes over the streams as views of the checkpoint (a stream appended to moves into the pool). Each is
   * checked to be whole records when its unit is read or appended to, not here: the check reads every byte
   * (56 MB at 10M, a tenth of the time a restore may take), and explain reads few.
   */
  importState(r: SnapshotReader, state: ReturnType<ContributionLog['exportState']>): void {
    this.#restored = ListIndex.bytes(r, state);
    this.#chains = new ByteChains();
    this.#lastDay = new Float64Array(0);
    this.#lastPosition = new Float64Array(0);
  }

  /** Bytes held: the pool, and the restored streams not moved into it. */
  get byteLength(): number {
    let bytes = this.#chains.byteLength;
    this.#restored?.forEachOwner((_, n) => {
      bytes += n;
    });
    return bytes;
  }

  /** Calls `fn` with each of the unit's records, in log order. */
  #forEach(u: number, fn: (day: number, slot: number, position: number) => void): void {
    let list: Uint8Array;
    let end: number;
    if (this.#restored?.has(u)) {
      list = this.#checked(u);
      end = list.length;
    } else {
      end = this.#chains.length(u);
      if (end === 0) return;
      list = this.#chains.copy(u, this.#scratch);
      this.#scratch = list;
    }
    const cursor = { at: 0 };
    let day = 0;
    let position = 0;
    while (cursor.at < end) {
      day += unzigzag(readVarint(list, cursor));
      const slot = readVarint(list, cursor);
      position += unzigzag(readVarint(list, cursor));
      fn(day, slot, position);
    }
  }

  /** Where a unit's stream is copied from the pool to be read (only {@link #forEach} reads it). */
  #scratch: Uint8Array = new Uint8Array(256);

  /** Reads a restored unit's last day and position off its stream, for its next record. */
  #readTail(u: number): void {
    this.#forEach(u, (day, _, position) => {
      this.#lastDay[u] = day;
      this.#lastPosition[u] = position;
    });
  }

  #ensureTails(size: number): void {
    if (size <= this.#lastDay.length) return;
    const grow = (old: Float64Array) => {
      const next = new Float64Array(Math.max(size, Math.ceil(old.length * 1.5) + 64)).fill(Number.NaN);
      next.set(old);
      return next;
    };
    this.#lastDay = grow(this.#lastDay);
    this.#lastPosition = grow(this.#lastPosition);
  }

  /** A restored unit's stream (a view of the checkpoint), after checking that it is whole records. */
  #checked(u: number): Uint8Array {
    const view = this.#restored!.words(u)!;
    const bad = firstBrokenRecord(view, 0, view.length);
    if (bad >= 0) throw new RangeError(`ContributionLog: unit ${u}'s stream breaks off at byte ${bad}`);
    return view;
  }
}

/** Where a record is written before it is appended: at most 3 × 8 bytes (numbers below 2^53, seven bits a byte). */
const RECORD = new Uint8Array(24);
/** Within ±2^51, a difference's zigzag stays below 2^53, where every whole number is exact. */
const whole = (v: number): boolean => Number.isInteger(v) && Math.abs(v) < 2 ** 51;

/** Whole numbers of either sign as whole numbers ≥ 0: 0, -1, 1, -2… as 0, 1, 2, 3… (arithmetic, not bits: past 2^31). */
const zigzag = (v: number): number => (v >= 0 ? v * 2 : -v * 2 - 1);
const unzigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** Writes `v` (a whole number ≥ 0) seven bits a byte, low bits first, the top bit saying more follow. */
const writeVarint = (out: Uint8Array, at: number, v: number): number => {
  let rest = v;
  while (rest >= 0x80) {
    out[at++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[at++] = rest;
  return at;
};

/** Reads what {@link writeVarint} wrote at `cursor.at`, moving the cursor past it. */
const readVarint = (data: Uint8Array, cursor: { at: number }): number => {
  let v = 0;
  let scale = 1;
  let at = cursor.at;
  for (;;) {
    const byte = data[at++]!;
    v += (byte & 0x7f) * scale;
    if (byte < 0x80) break;
    scale *= 0x80;
  }
  cursor.at = at;
  return v;
};

/**
 * The first byte of `data[start, end)` where a record does not end whole (three numbers, each of at most
 * eight bytes), or -1 when the stream is whole records.
 */
const firstBrokenRecord = (data: Uint8Array, start: number, end: number): number => {
  let at = start;
  while (at < end) {
    const record = at;
    for (let field = 0; field < 3; field++) {
      let bytes = 0;
      for (;;) {
        if (at >= end || bytes === 8) return record;
        bytes++;
        if (data[at++]! < 0x80) break;
      }
    }
  }
  return -1;
};
