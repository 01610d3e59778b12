import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classOfSize } from '../measures/size-classes.ts';
import { WordPool } from './word-pool.ts';

const fcParams = { seed: 20_261_206, numRuns: 200, verbose: 1 } as const;

/** The sizes by hand: four to a doubling from 4. */
const SIZES = [4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64];

describe('WordPool', () => {
  it('sizes blocks four to a doubling: the smallest size of at least the words asked', () => {
    for (let words = 0; words <= 64; words++) {
      const c = classOfSize(words);
      expect(SIZES[c]).toBeGreaterThanOrEqual(words);
      if (c > 0) expect(SIZES[c - 1]).toBeLessThan(words);
    }
    const pool = new WordPool((n) => new Int32Array(n), 1024);
    expect([1, 4, 5, 9, 17, 33, 100, 128].map((n) => pool.take(n).length)).toEqual([
      4, 4, 5, 10, 20, 40, 112, 128,
    ]);
  });

  it('hands out blocks that never overlap, whatever is taken and given back, and reuses what was given', () => {
    const steps = fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.record({ take: fc.integer({ min: 1, max: 80 }) }) },
        fc.record({ give: fc.nat() }),
      ),
      { maxLength: 200 },
    );
    fc.assert(
      fc.property(steps, (ops) => {
        // Chunks of 512 words: blocks up to 64 words, so the rest of a chunk is up to 63, carved in pieces.
        const pool = new WordPool<Int32Array>((n) => new Int32Array(n), 512);
        const live: { block: Int32Array; mark: number }[] = [];
        let mark = 0;
        let takenWords = 0;
        for (const op of ops) {
          if ('take' in op) {
            const block = pool.take(op.take);
            expect(block.length).toBeGreaterThanOrEqual(op.take);
            mark += 1;
            block.fill(mark);
            takenWords += block.length;
            live.push({ block, mark });
          } else if (live.length > 0) {
            const { block } = live.splice(op.give % live.length, 1)[0]!;
            pool.give(block);
            takenWords -= block.length;
          }
          // Every live block still holds its own mark: none was handed out twice or overlaps another.
          for (const { block, mark: m } of live) expect(block.every((w) => w === m)).toBe(true);
        }
        // Past an eighth of a chunk (64 words) a block is an array of its own, outside the chunks.
        const pooled = live.filter(({ block }) => block.buffer.byteLength === 512 * 4);
        const own = live.length - pooled.length;
        const f = pool.footprint();
        expect(f.bytes).toBe(f.chunks * 512 * 4);
        expect(live.filter(({ block }) => block.length > 64)).toHaveLength(own);
        // The chunks hold the live pooled blocks, the free ones and the uncarved rest (and at most 3 words
        // per chunk no block fits in).
        const pooledBytes = pooled.reduce((t, { block }) => t + block.byteLength, 0);
        const rest = f.bytes - pooledBytes - f.freeBytes - f.uncarvedBytes;
        expect(rest).toBeGreaterThanOrEqual(0);
        expect(rest).toBeLessThanOrEqual(3 * 4 * f.chunks);
        expect(takenWords).toBe(live.reduce((t, { block }) => t + block.length, 0));
      }),
      fcParams,
    );
  });

  it('gives a block back for the next take of its size, and ignores arrays it did not give', () => {
    const pool = new WordPool((n) => new Float64Array(n), 128);
    const a = pool.take(10);
    const b = pool.take(10);
    pool.give(a);
    expect(pool.footprint()).toMatchObject({ freeBytes: 10 * 8, uncarvedBytes: (128 - 20) * 8 });
    // The same words again (a new view of them).
    const again = pool.take(9);
    expect([again.buffer, again.byteOffset, again.length]).toEqual([a.buffer, a.byteOffset, 10]);
    const foreign = new Float64Array(10);
    pool.give(foreign);
    pool.give(new Float64Array(128).subarray(0, 10));
    expect(pool.take(10).buffer).not.toBe(foreign.buffer);
    expect(pool.footprint()).toMatchObject({ freeBytes: 0, uncarvedBytes: (128 - 30) * 8 });
    // Carved without a view: the block's first word in the chunk, given back by release.
    const at = pool.carve(10);
    const chunk = pool.carved!;
    expect([chunk.buffer, at]).toEqual([a.buffer, 30]);
    pool.release(chunk, at, 10);
    pool.release(new Float64Array(128), 0, 10);
    expect(pool.footprint()).toMatchObject({ freeBytes: 10 * 8 });
    expect(pool.carve(10)).toBe(30);
    expect(pool.carved).toBe(chunk);
    // A block too large for the pool is an array of its own, and not taken back.
    const big = pool.take(17);
    expect(big.buffer.byteLength).toBe(20 * 8);
    pool.give(big);
    expect(pool.footprint()).toMatchObject({ freeBytes: 0, uncarvedBytes: (128 - 40) * 8 });
    expect(b.length).toBe(10);
    expect(() => new WordPool((n) => new Int32Array(n), 100)).toThrow(/chunks of 100 words/);
  });

  it('wants a repack once the free blocks are past the bytes given and a sixteenth of what was carved', () => {
    const pool = new WordPool((n) => new Int32Array(n), 1024);
    const blocks = Array.from({ length: 12 }, () => pool.take(64));
    expect(pool.wantsRepack(0)).toBe(false);
    pool.give(blocks[0]!);
    // 256 free bytes of 3 KiB carved: a sixteenth is 192.
    expect(pool.wantsRepack(0)).toBe(true);
    expect(pool.wantsRepack(256)).toBe(true);
    expect(pool.wantsRepack(257)).toBe(false);
    const more = new WordPool((n) => new Int32Array(n), 1024);
    const many = Array.from({ length: 12 }, () => more.take(128));
    more.give(many[0]!);
    // 512 free bytes of 6 KiB carved (the second chunk half carved): a sixteenth is 384.
    expect(more.wantsRepack(0)).toBe(true);
    const big = new WordPool((n) => new Int32Array(n), 1024);
    Array.from({ length: 40 }, () => big.take(16));
    big.give(big.take(16));
    // 64 free bytes of 2,624 carved: under a sixteenth (164).
    expect(big.wantsRepack(0)).toBe(false);
    expect(pool.wantsRepack()).toBe(false);
    expect(pool.owns(blocks[2]!)).toBe(true);
    expect(pool.owns(new Int32Array(128))).toBe(false);
  });

  it('puts the rest of a chunk on the free lists when the next block does not fit it', () => {
    const pool = new WordPool((n) => new Int32Array(n), 64);
    const first = pool.take(8);
    for (let i = 0; i < 6; i++) pool.take(8);
    pool.take(4);
    // 4 words left: a block of 5 starts a chunk, and the 4 go on the free list of their size.
    expect(pool.take(5).buffer).not.toBe(first.buffer);
    expect(pool.footprint()).toEqual({
      chunks: 2,
      bytes: 2 * 64 * 4,
      freeBytes: 4 * 4,
      uncarvedBytes: 59 * 4,
    });
    const tail = pool.take(3);
    expect(tail.buffer).toBe(first.buffer);
    expect(tail.byteOffset).toBe(60 * 4);
    expect(pool.footprint()).toMatchObject({ freeBytes: 0, uncarvedBytes: 59 * 4 });
  });
});
