/**
 * Blocks of words for many small arrays that grow (units' day series, participation logs and contribution
 * streams; a word is an array element, a byte for the streams), carved out of shared chunks. A typed array
 * of its own costs a few hundred bytes besides its words (a buffer object, its backing store, the
 * allocator's block and its rounding), which at 10M, with a series, a log and a stream for most of 130,000
 * units, came to more than many of them hold. A block here is a view of a chunk: one object, no buffer of
 * its own.
 *
 * Blocks come in four sizes to a doubling (4, 5, 6, 7, 8, 10, 12, 14, 16, 20, … words: `size-classes.ts`,
 * the people arena's table sizes too), so a block has at
 * most a fifth more room than asked, and holders ask for only what they need next: the sizes are their
 * growth (a quarter on top, as arrays of their own grow, made blocks a third larger than their words). A block given back goes to its size's free list and is handed out
 * again before the chunk is carved further; its words are not cleared (holders read only what they wrote).
 * A block larger than an eighth of a chunk is an array of its own: its headers are small beside it.
 *
 * A pool belongs to one engine, so that its chunks go with it: blocks hold their chunks alive, and so do
 * the free lists. What holders outgrew stays on the free lists until a block of its size is asked for
 * (at the end of a 10M fold, 40% of the series' pool); a holder's container can move every holder into a
 * new pool ({@link WordPool.wantsRepack}), and the old chunks go once nothing holds them. Chunks of 4 MiB
 * are above the allocator's mapping threshold the API and the bench set (`GLIBC_TUNABLES`), so they go
 * back to the system when freed, not to the allocator's free lists.
 */

import { classOfSize, sizeOfClass } from '../measures/size-classes.ts';

type Words = Float64Array | Int32Array | Uint8Array;

/** The default of {@link WordPool.wantsRepack}'s least free bytes. */
export const REPACK_FROM = 4 * 2 ** 20;

export class WordPool<A extends Words> {
  readonly #make: (words: number) => A;
  readonly #chunkWords: number;
  /** Blocks above this many words are arrays of their own. */
  readonly #largest: number;
  /** The chunk being carved, and where its uncarved words start. */
  #chunk: A | undefined;
  #at = 0;
  /** Chunks by their buffers, to tell a block of this pool from any other array given back. */
  readonly #chunkOf = new WeakMap<ArrayBufferLike, A>();
  /** Free blocks by size class: the chunk each lies in, and its first word there. */
  readonly #freeChunks: A[][] = [];
  readonly #freeBases: number[][] = [];
  /**
   * The array holding the block {@link carve} last returned: a chunk of this pool's, or past an eighth of
   * one an array of its own (the block is then all of it).
   */
  carved: A | undefined;
  #chunks = 0;
  #freeWords = 0;

  /**
   * `make` creates a zeroed array of that many words; chunks hold `chunkWords` words (a power of two: give
   * 4 MiB's worth of the array's words, see above).
   */
  constructor(make: (words: number) => A, chunkWords = 2 ** 17) {
    if (!(chunkWords >= 64 && (chunkWords & (chunkWords - 1)) === 0))
      throw new RangeError(
        `WordPool: chunks of ${chunkWords} words (a power of two of at least 64 expected)`,
      );
    this.#make = make;
    this.#chunkWords = chunkWords;
    this.#largest = chunkWords / 8;
  }

  /**
   * A block of at least `words` words: the smallest size that holds them, so a holder that asks for what it
   * needs next grows by a fifth or less at each step. A view of a chunk, or past an eighth of one an array
   * of its own (of the same sizes).
   */
  take(words: number): A {
    const base = this.carve(words);
    const size = WordPool.sizeOf(words);
    return words > this.#largest ? this.carved! : (this.carved!.subarray(base, base + size) as A);
  }

  /**
   * {@link take} without a view: the block's first word in {@link carved}, which holds it. For holders
   * that keep the array and the offset instead of a view of their own (a view is an object of about 100
   * bytes; at 10M there were 170,000 series).
   */
  carve(words: number): number {
    if (words > this.#largest) {
      this.carved = this.#make(WordPool.sizeOf(words));
      return 0;
    }
    const c = classOfSize(words);
    const chunks = this.#freeChunks[c];
    if (chunks !== undefined && chunks.length > 0) {
      this.carved = chunks.pop()!;
      this.#freeWords -= sizeOfClass(c);
      return this.#freeBases[c]!.pop()!;
    }
    const size = sizeOfClass(c);
    if (this.#chunk === undefined || this.#at + size > this.#chunkWords) this.#newChunk();
    const base = this.#at;
    this.#at += size;
    this.carved = this.#chunk!;
    return base;
  }

  /**
   * The words of the block {@link take} or {@link carve} gives for `words` (below 2^31), a small integer
   * (see `size-classes.ts`).
   */
  static sizeOf(words: number): number {
    return sizeOfClass(classOfSize(words));
  }

  /**
   * Takes back a block this pool gave (an array of another origin — a checkpoint's view, an array of its
   * own — is left to the collector). The holder must not use it again.
   */
  give(block: A): void {
    const chunk = this.#chunkOf.get(block.buffer);
    if (chunk !== undefined) {
      const base = ((block.byteOffset - chunk.byteOffset) / chunk.BYTES_PER_ELEMENT) | 0;
      this.#keep(classOfSize(block.length), chunk, base);
    }
  }

  /** {@link give} for a block {@link carve} gave: the `size` words of `array` from `base`. */
  release(array: A, base: number, size: number): void {
    if (this.#chunkOf.get(array.buffer) === array) this.#keep(classOfSize(size), array, base);
  }

  /** Whether `block` is one this pool gave (a view of one of its chunks). */
  owns(block: A): boolean {
    return this.#chunkOf.has(block.buffer);
  }

  /**
   * `block`'s first `used` words moved into the smallest block of `to` that holds them, if `block` is one of
   * this pool's; else `block` itself (a checkpoint's view, an array of its own). This pool is not given it
   * back: for a repack, which lets this pool go.
   */
  moveOut(block: A, used: number, to: WordPool<A>): A {
    if (!this.owns(block)) return block;
    const next = to.take(Math.max(used, 4));
    next.set(block.subarray(0, used));
    return next;
  }

  /**
   * {@link moveOut} for a block {@link carve} gave: the first `used` of the words of `array` from `base`
   * moved into a block of `to` (its first word returned, its array `to.carved`) if they are this pool's;
   * else -1 (a checkpoint's view, an array of its own: the holder keeps it).
   */
  moveOutAt(array: A, base: number, used: number, to: WordPool<A>): number {
    if (this.#chunkOf.get(array.buffer) !== array) return -1;
    const at = to.carve(Math.max(used, 4));
    to.carved!.set(array.subarray(base, base + used), at);
    return at;
  }

  /**
   * Whether so much of the pool is in free blocks — at least `fromBytes`, and a sixteenth of the words
   * carved from its chunks — that moving every block still held into a new pool, end to end, is worth a
   * pass (see {@link DaySeries.moveTo}): a copy of what is held, at idle, for each sixteenth given back (at
   * 10M the logs' pool ended the fold with 12% of it free).
   */
  wantsRepack(fromBytes = REPACK_FROM): boolean {
    const bytesPerWord = this.#chunk?.BYTES_PER_ELEMENT ?? 0;
    const free = this.#freeWords * bytesPerWord;
    const carved = (this.#chunks * this.#chunkWords - (this.#chunkWords - this.#at)) * bytesPerWord;
    return free > 0 && free >= fromBytes && free * 16 >= carved;
  }

  /**
   * Bytes in chunks, how many of them are in free blocks, and how many are not carved yet (for memory
   * accounting: a chunk's pages are the system's until first written, so the last chunk's uncarved rest
   * costs little).
   */
  footprint(): { chunks: number; bytes: number; freeBytes: number; uncarvedBytes: number } {
    const bytesPerWord = this.#chunk?.BYTES_PER_ELEMENT ?? 0;
    const uncarved = this.#chunk === undefined ? 0 : this.#chunkWords - this.#at;
    return {
      chunks: this.#chunks,
      bytes: this.#chunks * this.#chunkWords * bytesPerWord,
      freeBytes: this.#freeWords * bytesPerWord,
      uncarvedBytes: uncarved * bytesPerWord,
    };
  }

  /** Puts a free block of size class `c`, from word `base` of `chunk`, on its list. */
  #keep(c: number, chunk: A, base: number): void {
    const chunks = this.#freeChunks[c];
    if (chunks === undefined) {
      this.#freeChunks[c] = [chunk];
      this.#freeBases[c] = [base];
    } else {
      chunks.push(chunk);
      this.#freeBases[c]!.push(base);
    }
    this.#freeWords += sizeOfClass(c);
  }

  /** Starts a new chunk, first putting the old one's uncarved tail on the free lists in blocks that fit. */
  #newChunk(): void {
    const old = this.#chunk;
    if (old !== undefined) {
      let left = this.#chunkWords - this.#at;
      while (left >= 4) {
        let c = classOfSize(left);
        if (sizeOfClass(c) > left) c -= 1;
        const size = sizeOfClass(c);
        this.#keep(c, old, this.#at);
        this.#at += size;
        left -= size;
      }
    }
    const chunk = this.#make(this.#chunkWords);
    this.#chunkOf.set(chunk.buffer, chunk);
    this.#chunk = chunk;
    this.#at = 0;
    this.#chunks += 1;
  }
}
