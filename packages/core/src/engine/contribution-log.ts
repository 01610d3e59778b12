import { ListIndex, packByteLists, type SnapshotReader, type SnapshotWriter } from './snapshot-codec.ts';
import { REPACK_FROM, WordPool } from './word-pool.ts';

/** A pool for the streams' bytes (see {@link WordPool}): chunks of 4 MiB. */
const streamPool = () => new WordPool<Uint8Array>((n) => new Uint8Array(n), 2 ** 22);

/**
 * For each unit, the log positions of the events that changed its own figures, with the day and slot they
 * touched: what "explain" drills down to, reading a unit's whole list in order. Kept as one byte stream per
 * unit of (day, slot, position) records, each field a variable-length number: the day and the position as
 * zigzag differences from the record before, the slot as it is. A unit's records come in log order (its
 * positions rise, its days mostly repeat or step forward), so a record takes 3 to 5 bytes instead of the
 * 12 of three int32 words: at 10M, 10.7 million records, 129 MB as words. The streams are blocks of a
 * {@link WordPool}, not arrays of their own (130,000 at 10M, each with a few hundred bytes of headers).
 */
export class ContributionLog {
  /**
   * Each unit's stream: the array it lies in (a pool's chunk, or a checkpoint's bytes), from byte
   * `#bases[u]`, in room for `#caps[u]` bytes — not a view of its own (a view is an object of about 100
   * bytes, for 130,000 streams at 10M).
   */
  readonly #arrays: (Uint8Array | undefined)[] = [];
  #bases = new Int32Array(0);
  #caps = new Int32Array(0);
  /** Bytes used of each unit's stream. */
  readonly #lengths: number[] = [];
  /**
   * Each unit's last record's day and position, which the next record is written against; NaN until known
   * (a restored unit's are read off its stream on its first append).
   */
  #lastDay: Float64Array = new Float64Array(0);
  #lastPosition: Float64Array = new Float64Array(0);
  /** A restored checkpoint's streams, viewed when a unit's is first asked for (see {@link #listOf}). */
  #restored: ListIndex<Uint8Array> | undefined;
  /** Where streams grow (a restored one moves there at its first growth). */
  #pool = streamPool();

  add(u: number, day: number, slot: number, position: number): void {
    if (!(whole(day) && whole(position) && whole(slot) && slot >= 0))
      throw new RangeError(
        `ContributionLog.add: day ${day}, slot ${slot} and position ${position} must be whole numbers within ±2^51`,
      );
    const n = this.#lengths[u] ?? 0;
    this.#ensureTails(u + 1);
    if (n > 0 && Number.isNaN(this.#lastDay[u]!)) this.#readTail(u);
    const lastDay = n === 0 ? 0 : this.#lastDay[u]!;
    const lastPosition = n === 0 ? 0 : this.#lastPosition[u]!;
    let list = this.#listOf(u);
    // A record is at most 3 × 8 bytes (numbers below 2^53, seven bits a byte).
    if (!list || n + MAX_RECORD > this.#caps[u]!) {
      // The pool's next size is growth enough (see WordPool).
      const bytes = Math.max(16, n + MAX_RECORD);
      const to = this.#pool.carve(bytes);
      const next = this.#pool.carved!;
      if (list) {
        const from = this.#bases[u]!;
        next.set(list.subarray(from, from + n), to);
        this.#pool.release(list, from, this.#caps[u]!);
      }
      list = next;
      this.#arrays[u] = list;
      this.#bases[u] = to;
      this.#caps[u] = WordPool.sizeOf(bytes);
    }
    const base = this.#bases[u]!;
    let at = writeVarint(list, base + n, zigzag(day - lastDay));
    at = writeVarint(list, at, slot);
    at = writeVarint(list, at, zigzag(position - lastPosition));
    this.#lengths[u] = at - base;
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
    for (let u = 0; u < this.#lengths.length; u++) {
      const n = this.#lengths[u] ?? 0;
      // A restored stream not read since goes back as it came, unchecked and not taken.
      if (n === 0) continue;
      const list = this.#arrays[u];
      const at = this.#bases[u] ?? 0;
      lists.push([u, list === undefined ? this.#restored!.words(u)! : list.subarray(at, at + n)]);
    }
    return packByteLists(w, lists);
  }

  /**
   * Takes over the streams as views of the checkpoint (a stream that grows moves to an array of its own).
   * Each stream is checked to be whole records when its unit is first read or appended to, not here: the
   * check reads every byte (56 MB at 10M, a tenth of the time a restore may take), and explain reads few.
   */
  importState(r: SnapshotReader, state: ReturnType<ContributionLog['exportState']>): void {
    const restored = ListIndex.bytes(r, state);
    this.#arrays.length = 0;
    this.#lengths.length = 0;
    restored.forEachOwner((u, bytes) => {
      this.#lengths[u] = bytes;
    });
    this.#bases = new Int32Array(this.#lengths.length);
    this.#caps = new Int32Array(this.#lengths.length);
    this.#lastDay = new Float64Array(0);
    this.#lastPosition = new Float64Array(0);
    this.#restored = restored;
    this.#pool = streamPool();
  }

  /**
   * Moves every stream of the pool into a new one, end to end, when enough of it is blocks streams outgrew
   * (see {@link WordPool.wantsRepack}); for the idle refresh. Returns whether it did.
   */
  repack(fromBytes = REPACK_FROM): boolean {
    if (!this.#pool.wantsRepack(fromBytes)) return false;
    const pool = streamPool();
    this.#arrays.forEach((list, u) => {
      if (list === undefined) return;
      const n = this.#lengths[u]!;
      const at = this.#pool.moveOutAt(list, this.#bases[u]!, n, pool);
      if (at < 0) return;
      this.#arrays[u] = pool.carved!;
      this.#bases[u] = at;
      this.#caps[u] = WordPool.sizeOf(Math.max(n, 4));
    });
    this.#pool = pool;
    return true;
  }

  /** Bytes held (streams, and free blocks in their pool), for memory accounting. */
  get byteLength(): number {
    let bytes = this.#pool.footprint().freeBytes;
    for (let u = 0; u < this.#lengths.length; u++) if (this.#listOf(u) !== undefined) bytes += this.#caps[u]!;
    return bytes;
  }

  /** Calls `fn` with each of the unit's records, in log order. */
  #forEach(u: number, fn: (day: number, slot: number, position: number) => void): void {
    const list = this.#listOf(u);
    if (!list) return;
    const start = this.#bases[u]!;
    const end = start + (this.#lengths[u] ?? 0);
    const cursor = { at: start };
    let day = 0;
    let position = 0;
    while (cursor.at < end) {
      day += unzigzag(readVarint(list, cursor));
      const slot = readVarint(list, cursor);
      position += unzigzag(readVarint(list, cursor));
      fn(day, slot, position);
    }
  }

  /** Reads a restored unit's last day and position off its stream, for its next record. */
  #readTail(u: number): void {
    this.#forEach(u, (day, _, position) => {
      this.#lastDay[u] = day;
      this.#lastPosition[u] = position;
    });
  }

  #ensureTails(size: number): void {
    if (size > this.#bases.length) {
      const grow = (old: Int32Array) => {
        const next = new Int32Array(Math.max(size, Math.ceil(old.length * 1.5) + 64));
        next.set(old);
        return next;
      };
      this.#bases = grow(this.#bases);
      this.#caps = grow(this.#caps);
    }
    if (size <= this.#lastDay.length) return;
    const grow = (old: Float64Array) => {
      const next = new Float64Array(Math.max(size, Math.ceil(old.length * 1.5) + 64)).fill(Number.NaN);
      next.set(old);
      return next;
    };
    this.#lastDay = grow(this.#lastDay);
    this.#lastPosition = grow(this.#lastPosition);
  }

  /**
   * The array unit u's stream lies in (from `#bases[u]`): a pool's chunk, or a restored checkpoint's bytes,
   * taken on first use after checking that its stream is whole records (a broken one throws, and stays in
   * the checkpoint's index, not taken).
   */
  #listOf(u: number): Uint8Array | undefined {
    const list = this.#arrays[u];
    const restored = this.#restored;
    if (list !== undefined || restored === undefined || !restored.has(u)) return list;
    const n = this.#lengths[u] ?? 0;
    const view = restored.words(u)!;
    const bad = firstBrokenRecord(view, 0, view.length);
    if (bad >= 0) throw new RangeError(`ContributionLog: unit ${u}'s stream breaks off at byte ${bad}`);
    const at = restored.takeAt(u);
    this.#ensureTails(u + 1);
    this.#arrays[u] = restored.data;
    this.#bases[u] = at;
    this.#caps[u] = n;
    return restored.data;
  }
}

const MAX_RECORD = 24;
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
