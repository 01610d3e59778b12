import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashPersonId, murmurHash3String, murmurHash3x86_32, PERSON_HASH_SEED } from './string-hash.ts';

const fcParams = { seed: 20_251_123, numRuns: 100, verbose: 1 } as const;
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('MurmurHash3 x86_32', () => {
  // Published vectors for the reference implementation (SMHasher's MurmurHash3.cpp), cross-checked by
  // compiling that reference; the Vietnamese key exercises two- and three-byte UTF-8 sequences.
  const vectors: ReadonlyArray<readonly [string, number, number]> = [
    ['', 0, 0x00000000],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['a', 0, 0x3c2569b2],
    ['abc', 0, 0xb3dd93fa],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
    ['Đoàn Thanh niên', 0, 0x6209f825],
    ['Đoàn Thanh niên', 0x9747b28c, 0x99ff6c2b],
    ['st-00012345', 0x9747b28c, 0xc7c5db58],
  ];

  it.each(vectors)('hashes %j with seed %i to the reference value', (text, seed, expected) => {
    expect(murmurHash3String(text, seed)).toBe(expected);
    expect(murmurHash3x86_32(utf8(text), seed)).toBe(expected);
  });

  it("passes SMHasher's verification test (0xB0F57EE3)", () => {
    // SMHasher hashes the keys {}, {0}, {0,1}, … {0..254} with seeds 256 - length, then hashes the
    // concatenated little-endian results with seed 0: one number that covers every block/tail path.
    const key = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hashes = new Uint8Array(256 * 4);
    const view = new DataView(hashes.buffer);
    for (let i = 0; i < 256; i++) view.setUint32(i * 4, murmurHash3x86_32(key, 256 - i, i), true);
    expect(murmurHash3x86_32(hashes, 0)).toBe(0xb0f57ee3);
  });

  it('hashes a string exactly as its standard UTF-8 bytes, lone surrogates included', () => {
    // Any code point, surrogate halves included (fromCodePoint leaves those lone); fast-check's own 'binary'
    // unit takes seconds to set up. Lengths past 64 make the scratch buffer grow.
    const codePoint = fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
    const ascii = fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c));
    const text = fc.string({ unit: fc.oneof(ascii, codePoint), maxLength: 120 });
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 0xffffffff }), (s, seed) => {
        expect(murmurHash3String(s, seed)).toBe(murmurHash3x86_32(utf8(s), seed));
      }),
      fcParams,
    );
  });

  it('hashes person ids with the fixed person seed', () => {
    expect(PERSON_HASH_SEED).toBe(0x9747b28c);
    expect(hashPersonId('st-00012345')).toBe(0xc7c5db58);
  });
});
