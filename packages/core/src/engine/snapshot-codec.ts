/**
 * The container a checkpoint is written in: a JSON header for small structures, and one binary body holding
 * every typed array end to end, so restoring is mostly memory copies rather than per-element work.
 *
 * Layout: magic "CHTU" · u32 header length · header (UTF-8 JSON) · body. Typed arrays are referenced from the
 * header as `{ t, o, n }` (type, byte offset into the body, element count). Lists of strings go in the body
 * too ({@link SnapshotWriter.strings}): parsing a large JSON header costs more than the rest of a restore.
 */

type Typed = Float64Array | Int32Array | Uint8Array | Uint32Array;
type TypeName = 'f64' | 'i32' | 'u8' | 'u32';
export interface BlobRef {
  readonly t: TypeName;
  readonly o: number;
  readonly n: number;
}

/**
 * A list of strings (or nulls) in the body: their UTF-16 lengths (-1 for null) and their text end to end, in
 * UTF-8 — or, when the text holds a lone surrogate (which UTF-8 cannot carry), as UTF-16 code units (`wide`).
 */
export interface StringsRef {
  readonly lengths: BlobRef;
  readonly text: BlobRef;
  readonly wide: boolean;
}

/** A lone surrogate: a JavaScript string may hold one; UTF-8 would turn it into U+FFFD. */
const LONE_SURROGATE = /\p{Cs}/u;

/** A missing day (an open membership or holding) in a checkpoint's day columns. */
export const NO_DAY = -(2 ** 31);

const MAGIC = [0x43, 0x48, 0x54, 0x55];
const typeOf = (a: Typed): TypeName =>
  a instanceof Float64Array
    ? 'f64'
    : a instanceof Int32Array
      ? 'i32'
      : a instanceof Uint32Array
        ? 'u32'
        : 'u8';

export class SnapshotWriter {
  readonly #chunks: Uint8Array[] = [];
  #offset = 0;

  /** Stores a typed array in the body and returns the reference to put in the header. */
  blob(array: Typed): BlobRef {
    const pad = (8 - (this.#offset % 8)) % 8;
    if (pad > 0) {
      this.#chunks.push(new Uint8Array(pad));
      this.#offset += pad;
    }
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    this.#chunks.push(bytes);
    const ref = { t: typeOf(array), o: this.#offset, n: array.length };
    this.#offset += bytes.byteLength;
    return ref;
  }

  /** Stores a list of strings, any of them null or undefined (both read back as undefined). */
  strings(list: readonly (string | null | undefined)[]): StringsRef {
    const lengths = Int32Array.from(list, (s) => (s == null ? -1 : s.length));
    const joined = list.join('');
    // Each string on its own: halves of a pair split between neighbours are whole in the joined text, but
    // UTF-8 cannot end one string inside the character they make (a column decodes strings one by one).
    if (!list.some((x) => x != null && LONE_SURROGATE.test(x)))
      return { lengths: this.blob(lengths), text: this.blob(new TextEncoder().encode(joined)), wide: false };
    const units = new Uint32Array(joined.length);
    for (let i = 0; i < joined.length; i++) units[i] = joined.charCodeAt(i);
    return { lengths: this.blob(lengths), text: this.blob(units), wide: true };
  }

  /** The whole checkpoint: magic, header, body. */
  finish(header: unknown): Uint8Array {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const headPad = (8 - ((8 + json.length) % 8)) % 8;
    const out = new Uint8Array(8 + json.length + headPad + this.#offset);
    out.set(MAGIC, 0);
    new DataView(out.buffer).setUint32(4, json.length + headPad, true);
    out.set(json, 8);
    out.fill(0x20, 8 + json.length, 8 + json.length + headPad);
    let at = 8 + json.length + headPad;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}

export class SnapshotReader {
  readonly header: unknown;
  readonly #body: Uint8Array;

  constructor(bytes: Uint8Array) {
    if (bytes.length < 8 || MAGIC.some((m, i) => bytes[i] !== m)) throw new Error('not a chitieu checkpoint');
    const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
    this.header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    this.#body = bytes.subarray(8 + headerLength);
  }

  f64(ref: BlobRef): Float64Array {
    this.#check(ref, 8);
    const at = this.#body.byteOffset + ref.o;
    return at % 8 === 0
      ? new Float64Array(this.#body.buffer, at, ref.n)
      : new Float64Array(this.#copy(ref, 8));
  }
  i32(ref: BlobRef): Int32Array {
    this.#check(ref, 4);
    const at = this.#body.byteOffset + ref.o;
    return at % 4 === 0 ? new Int32Array(this.#body.buffer, at, ref.n) : new Int32Array(this.#copy(ref, 4));
  }
  u32(ref: BlobRef): Uint32Array {
    this.#check(ref, 4);
    const at = this.#body.byteOffset + ref.o;
    return at % 4 === 0 ? new Uint32Array(this.#body.buffer, at, ref.n) : new Uint32Array(this.#copy(ref, 4));
  }
  u8(ref: BlobRef): Uint8Array {
    this.#check(ref, 1);
    return new Uint8Array(this.#body.buffer, this.#body.byteOffset + ref.o, ref.n);
  }

  /** The list {@link SnapshotWriter.strings} stored: one decode of the text, then a slice per string. */
  strings(ref: StringsRef): (string | undefined)[] {
    const lengths = this.i32(ref.lengths);
    const text = ref.wide
      ? fromCodeUnits(this.u32(ref.text))
      : new TextDecoder('utf-8', { ignoreBOM: true }).decode(this.u8(ref.text));
    const out = new Array<string | undefined>(lengths.length);
    let at = 0;
    for (let i = 0; i < lengths.length; i++) {
      const n = lengths[i]!;
      if (n < 0) out[i] = undefined;
      else {
        if (at + n > text.length)
          throw new RangeError('SnapshotReader.strings: the lengths run past the text');
        out[i] = text.slice(at, at + n);
        at += n;
      }
    }
    if (at !== text.length) throw new RangeError('SnapshotReader.strings: the lengths do not cover the text');
    return out;
  }

  /**
   * The same list as {@link strings}, checked now and decoded a string at a time when read: for lists a
   * restore keeps but seldom reads (the hierarchy's 130,000 names at 10M, the stream names), where one
   * decode of the whole text was most of their cost.
   */
  stringColumn(ref: StringsRef): StringColumn {
    return new StringColumn(
      this.i32(ref.lengths),
      ref.wide ? this.u32(ref.text) : this.u8(ref.text),
      ref.wide,
    );
  }

  /** Refuses a reference outside the body (a corrupt header) with what it is, rather than an engine's RangeError. */
  #check(ref: BlobRef, size: number) {
    if (!(ref.o >= 0 && ref.n >= 0 && ref.o + ref.n * size <= this.#body.length))
      throw new RangeError(
        `SnapshotReader: a blob of ${ref.n} × ${size} bytes at ${ref.o} lies outside the body`,
      );
  }

  #copy(ref: BlobRef, size: number): ArrayBuffer {
    const start = this.#body.byteOffset + ref.o;
    return this.#body.buffer.slice(start, start + ref.n * size) as ArrayBuffer;
  }
}

/** See {@link SnapshotReader.stringColumn}. */
export class StringColumn {
  readonly length: number;
  readonly #lengths: Int32Array;
  readonly #text: Uint8Array | Uint32Array;
  readonly #wide: boolean;
  /** Where each string starts in the text (bytes, or code units when wide), and one past the last. */
  readonly #starts: Int32Array;
  /** Keeps a byte-order mark that begins a string (by default a decoder drops it). */
  static readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(lengths: Int32Array, text: Uint8Array | Uint32Array, wide: boolean) {
    const fail = (why: string): never => {
      throw new RangeError(`SnapshotReader.stringColumn: ${why}`);
    };
    this.length = lengths.length;
    this.#lengths = lengths;
    this.#text = text;
    this.#wide = wide;
    const starts = new Int32Array(lengths.length + 1);
    let at = 0;
    for (let i = 0; i < lengths.length; i++) {
      const n = lengths[i]!;
      if (n < 0) {
        // A null: no text.
      } else if (wide) at += n;
      else {
        // UTF-16 lengths over UTF-8 text: walk the code points (four bytes make two code units).
        let units = 0;
        while (units < n) {
          if (at >= text.length) fail('the lengths run past the text');
          const c = text[at]!;
          if (c < 0x80) {
            units += 1;
            at += 1;
          } else if (c < 0xc0) fail(`byte ${at} is inside a character`);
          else if (c < 0xe0) {
            units += 1;
            at += 2;
          } else if (c < 0xf0) {
            units += 1;
            at += 3;
          } else {
            units += 2;
            at += 4;
          }
        }
        if (units !== n) fail(`string #${i} ends inside a character`);
      }
      if (at > text.length) fail('the lengths run past the text');
      starts[i + 1] = at;
    }
    if (at !== text.length) fail('the lengths do not cover the text');
    this.#starts = starts;
  }

  /** String i, or undefined where a null was stored. */
  get(i: number): string | undefined {
    if (!(i >= 0 && i < this.length) || this.#lengths[i]! < 0) return undefined;
    const part = this.#text.subarray(this.#starts[i]!, this.#starts[i + 1]!);
    return this.#wide ? fromCodeUnits(part as Uint32Array) : StringColumn.#decoder.decode(part);
  }

  /** Whether string i was stored as null. */
  isNull(i: number): boolean {
    return this.#lengths[i]! < 0;
  }
}

/** A string from UTF-16 code units, lone surrogates kept (a decoder would replace them). */
const fromCodeUnits = (units: Uint32Array): string => {
  const parts: string[] = [];
  for (let at = 0; at < units.length; at += 8192)
    parts.push(String.fromCharCode(...units.subarray(at, at + 8192)));
  return parts.join('');
};

/** Lists end to end in one array that `make` gives (of their total length). */
const joined = <T extends Int32Array | Uint8Array | Float64Array>(
  parts: readonly ArrayLike<number>[],
  make: (n: number) => T,
): T => {
  const out = make(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

/** A list of records `width` words (or bytes) wide, with the index of its owner. */
type OwnedList = readonly [owner: number, words: ArrayLike<number>, width: number];

/** Owned lists end to end: owners, each list's length in records of its width, and the words. */
const packOwned = <T extends Int32Array | Uint8Array | Float64Array>(
  w: SnapshotWriter,
  lists: readonly OwnedList[],
  make: (n: number) => T,
) => ({
  owners: w.blob(Int32Array.from(lists, ([owner]) => owner)),
  lengths: w.blob(Int32Array.from(lists, ([, words, width]) => words.length / width)),
  data: w.blob(
    joined(
      lists.map(([, words]) => words),
      make,
    ),
  ),
});

/** As {@link packOwned}, for lists whose widths differ: each list's width beside its length. */
const packMixed = <T extends Int32Array | Float64Array>(
  w: SnapshotWriter,
  lists: readonly OwnedList[],
  make: (n: number) => T,
) => ({
  ...packOwned(w, lists, make),
  widths: w.blob(Uint8Array.from(lists, ([, , width]) => width)),
});

/**
 * Many day series packed end to end into one array of entries (2 or 3 words each, as each series' `stride`
 * says: see {@link DaySeries}), with owners, entry counts and strides.
 */
export const packSeries = (
  w: SnapshotWriter,
  series: readonly { owner: number; data: Float64Array; stride: number }[],
) =>
  packMixed(
    w,
    series.map((s) => [s.owner, s.data, s.stride] as const),
    (n) => new Float64Array(n),
  );

export type PackedSeries = ReturnType<typeof packSeries>;

/**
 * Lists of int32 records `width` words wide, one list per owner, end to end: owners, each list's length in
 * records, and the words (the layout {@link packSeries} uses for day series).
 */
export const packIntLists = (
  w: SnapshotWriter,
  lists: Iterable<readonly [owner: number, words: ArrayLike<number>]>,
  width: number,
) =>
  packOwned(
    w,
    Array.from(lists, ([owner, words]) => [owner, words, width] as const),
    (n) => new Int32Array(n),
  );

export type PackedIntLists = ReturnType<typeof packIntLists>;

/**
 * Lists of int32 records whose width differs from list to list, laid out as {@link packIntLists} lays them
 * out, with each list's width (words per record) beside its length in records.
 */
export const packMixedIntLists = (w: SnapshotWriter, lists: readonly OwnedList[]) =>
  packMixed(w, lists, (n) => new Int32Array(n));

export type PackedMixedIntLists = ReturnType<typeof packMixedIntLists>;

/** Byte lists, one per owner, end to end: owners, each list's length in bytes, and the bytes. */
export const packByteLists = (
  w: SnapshotWriter,
  lists: readonly (readonly [owner: number, bytes: Uint8Array])[],
) =>
  packOwned(
    w,
    lists.map(([owner, bytes]) => [owner, bytes, 1] as const),
    (n) => new Uint8Array(n),
  );

export type PackedByteLists = ReturnType<typeof packByteLists>;

/**
 * Where each owner's rows start in columns `total` long, from a checkpoint's count per owner: owner i's are
 * `offsets[i]` to `offsets[i + 1]`. Undefined when a count is negative or they do not add up to `total`
 * (the caller names the columns in its error).
 */
export const offsetsOf = (counts: ArrayLike<number>, total: number): Int32Array | undefined => {
  const offsets = new Int32Array(counts.length + 1);
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!;
    if (n < 0) return undefined;
    offsets[i + 1] = offsets[i]! + n;
  }
  return offsets[counts.length] === total ? offsets : undefined;
};

/**
 * Lists {@link packIntLists} or {@link packSeries} wrote, kept where they lie in a checkpoint: an owner's
 * words are viewed when asked for, so a restore creates no object per owner (at 10M, 130,000 contribution
 * lists, 116,000 participation logs, 128,000 own series and 44,000 roll-ups). Checked on reading:
 * lengths within the data and covering it, each owner listed once.
 */
export class ListIndex<A extends Int32Array | Float64Array | Uint8Array> {
  readonly #start: Int32Array;
  readonly #length: Int32Array;
  /** Words per record by owner, where lists differ in it (day series: see {@link packSeries}). */
  readonly #width: Uint8Array | undefined;
  readonly #uniform: number;
  readonly #data: A;
  /** How many owners have a list not taken yet. */
  #left: number;

  /** Int32 lists of `width`-word records, as {@link packIntLists} wrote them. */
  static ints(r: SnapshotReader, p: PackedIntLists, width: number): ListIndex<Int32Array> {
    return new ListIndex(r.i32(p.owners), r.i32(p.lengths), r.i32(p.data), width);
  }

  /** Int32 lists of records of each list's width, as {@link packMixedIntLists} wrote them. */
  static mixedInts(r: SnapshotReader, p: PackedMixedIntLists): ListIndex<Int32Array> {
    return new ListIndex(r.i32(p.owners), r.i32(p.lengths), r.i32(p.data), r.u8(p.widths));
  }

  /** Byte lists, as {@link packByteLists} wrote them. */
  static bytes(r: SnapshotReader, p: PackedByteLists): ListIndex<Uint8Array> {
    return new ListIndex(r.i32(p.owners), r.i32(p.lengths), r.u8(p.data), 1);
  }

  /** Day series' entries, each series of its own stride, as {@link packSeries} wrote them. */
  static series(r: SnapshotReader, p: PackedSeries): ListIndex<Float64Array> {
    return new ListIndex(r.i32(p.owners), r.i32(p.lengths), r.f64(p.data), r.u8(p.widths));
  }

  /** `width`: words per record, for every list or for each (in list order). */
  constructor(owners: Int32Array, lengths: Int32Array, data: A, width: number | Uint8Array) {
    const fail = (why: string): never => {
      throw new RangeError(`ListIndex: ${why}`);
    };
    let max = -1;
    for (const owner of owners) {
      if (owner < 0) fail(`a list names owner ${owner}`);
      if (owner > max) max = owner;
    }
    this.#start = new Int32Array(max + 1).fill(-1);
    this.#length = new Int32Array(max + 1);
    this.#width = typeof width === 'number' ? undefined : new Uint8Array(max + 1);
    this.#uniform = typeof width === 'number' ? width : 0;
    this.#data = data;
    this.#left = owners.length;
    if (lengths.length !== owners.length) fail('one length per owner expected');
    if (typeof width !== 'number' && width.length !== owners.length) fail('one width per owner expected');
    let at = 0;
    for (let i = 0; i < owners.length; i++) {
      const owner = owners[i]!;
      const w = typeof width === 'number' ? width : width[i]!;
      if (w === 0) fail(`the list of ${owner} has records of no words`);
      if (this.#width !== undefined) this.#width[owner] = w;
      const n = lengths[i]! * w;
      if (n < 0 || at + n > data.length) fail(`the list of ${owner} runs past the data`);
      if (this.#start[owner] !== -1) fail(`owner ${owner} has two lists`);
      this.#start[owner] = at;
      this.#length[owner] = n;
      at += n;
    }
    if (at !== data.length) fail('the lists do not cover the data');
  }

  /** How many owners have a list not taken yet. */
  get size(): number {
    return this.#left;
  }

  /** Words per record of the owner's list (the same for all unless listed one by one). */
  width(owner: number): number {
    return this.#width === undefined ? this.#uniform : (this.#width[owner] ?? 0);
  }

  /** Whether the owner has a list not taken yet. */
  has(owner: number): boolean {
    return owner >= 0 && owner < this.#start.length && this.#start[owner]! >= 0;
  }

  /** The owner's words (a view of the checkpoint), undefined when it has none or they were taken. */
  words(owner: number): A | undefined {
    if (!this.has(owner)) return undefined;
    const at = this.#start[owner]!;
    return this.#data.subarray(at, at + this.#length[owner]!) as A;
  }

  /** The checkpoint's words, every list's among them. */
  get data(): A {
    return this.#data;
  }

  /** How many words the list {@link takeAt} last took holds. */
  taken = 0;

  /**
   * {@link take} without a view: where the owner's words start in {@link data} (-1 when it has none or they
   * were taken), their count in {@link taken}.
   */
  takeAt(owner: number): number {
    if (!this.has(owner)) return -1;
    const at = this.#start[owner]!;
    this.taken = this.#length[owner]!;
    this.#start[owner] = -1;
    this.#left--;
    return at;
  }

  /**
   * The owner's words, once: afterwards the owner has none here (its holder keeps what it built of them,
   * and may drop it without a later look finding the checkpoint's again).
   */
  take(owner: number): A | undefined {
    const words = this.words(owner);
    if (words !== undefined) {
      this.#start[owner] = -1;
      this.#left--;
    }
    return words;
  }

  /**
   * Calls `fn` with each owner that has a list not taken yet and where its words lie in `data` (a view of
   * every list: no view per owner), in owner order.
   */
  scan(fn: (owner: number, data: A, start: number, end: number) => void): void {
    for (let owner = 0; owner < this.#start.length; owner++) {
      const at = this.#start[owner]!;
      if (at >= 0) fn(owner, this.#data, at, at + this.#length[owner]!);
    }
  }

  /**
   * Calls `fn` with each owner that has a list not taken yet, its length in words and in records, in owner
   * order.
   */
  forEachOwner(fn: (owner: number, words: number, records: number) => void): void {
    for (let owner = 0; owner < this.#start.length; owner++) {
      const words = this.#length[owner]!;
      if (this.#start[owner]! >= 0) fn(owner, words, words / this.width(owner));
    }
  }
}
