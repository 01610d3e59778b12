import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteChains } from './byte-chains.ts';

const fcParams = { seed: 20_261_206, numRuns: 150, verbose: 1 } as const;

describe('ByteChains', () => {
  it('gives back each owner’s stream as the bytes appended to it, in order, whatever the interleaving', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(6), fc.uint8Array({ maxLength: 150 })), { maxLength: 120 }),
        (appends) => {
          const chains = new ByteChains();
          const model = new Map<number, number[]>();
          for (const [owner, bytes] of appends) {
            chains.append(owner, bytes);
            model.set(owner, [...(model.get(owner) ?? []), ...bytes]);
          }
          for (let owner = 0; owner <= 7; owner++) {
            const want = model.get(owner) ?? [];
            expect(chains.length(owner)).toBe(want.length);
            expect([...chains.copy(owner)]).toEqual(want);
            // Into a scratch too short, and one longer than the stream: the first bytes are the stream's.
            expect([...chains.copy(owner, new Uint8Array(3)).subarray(0, want.length)]).toEqual(want);
            expect([...chains.copy(owner, new Uint8Array(want.length + 9)).subarray(0, want.length)]).toEqual(
              want,
            );
          }
        },
      ),
      fcParams,
    );
  });

  it('crosses from one 1 MiB chunk of the pool into the next', () => {
    const chains = new ByteChains();
    const piece = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    // Two owners, 600 KB each, interleaved: their blocks alternate and fill the first chunk midway.
    for (let i = 0; i < 600; i++) {
      chains.append(0, piece);
      chains.append(
        1,
        piece.map((b) => 255 - b),
      );
    }
    // 1.2 MB of blocks: a full first chunk and a second, grown by doubling to hold the rest.
    expect(chains.byteLength).toBeGreaterThan(2 ** 20 + 150_000);
    const zero = chains.copy(0);
    const one = chains.copy(1);
    expect(zero.length).toBe(600_000);
    expect(zero.every((b, i) => b === (i % 1000) % 251)).toBe(true);
    expect(one.every((b, i) => b === 255 - ((i % 1000) % 251))).toBe(true);
  });
});
