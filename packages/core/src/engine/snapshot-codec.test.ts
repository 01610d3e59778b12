import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ListIndex, packIntLists, SnapshotReader, SnapshotWriter } from './snapshot-codec.ts';

const fcParams = { seed: 20_261_205, numRuns: 200, verbose: 1 } as const;

/** Writes the lists (each after a blob, so they start at any alignment) and reads them back. */
const roundTrip = (lists: readonly (readonly (string | null | undefined)[])[]) => {
  const w = new SnapshotWriter();
  const refs = lists.map((list, i) => {
    w.blob(new Uint8Array(i % 3));
    return w.strings(list);
  });
  const r = new SnapshotReader(w.finish({ refs }));
  const stored = (r.header as { refs: typeof refs }).refs;
  // Read both ways: decoded whole, and a string at a time from a column.
  const column = stored.map((ref) => {
    const c = r.stringColumn(ref);
    return Array.from({ length: c.length }, (_, i) => c.get(i));
  });
  return { refs, back: stored.map((ref) => r.strings(ref)), column };
};

describe('SnapshotWriter.strings', () => {
  it('round-trips any strings, nulls and empty strings included, lone surrogates kept', () => {
    const item = fc.option(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), {
      nil: undefined,
    });
    fc.assert(
      fc.property(fc.array(fc.array(item, { maxLength: 30 }), { maxLength: 4 }), (lists) => {
        const { back, column } = roundTrip(lists);
        expect(back).toEqual(lists);
        expect(column).toEqual(lists);
      }),
      fcParams,
    );
  });

  it('keeps text as UTF-8 unless a lone surrogate needs UTF-16 code units, nulls read back as undefined', () => {
    const { refs, back } = roundTrip([
      ['Thành Đoàn Hà Nội', null, '', '😀'],
      ['\uD83D', '\uDE00', 'x\uDC00'],
    ]);
    expect(refs.map((r) => r.wide)).toEqual([false, true]);
    expect(back).toEqual([
      ['Thành Đoàn Hà Nội', undefined, '', '😀'],
      ['\uD83D', '\uDE00', 'x\uDC00'],
    ]);
    // A high and a low surrogate in neighbouring strings pair up in the joined text: still each its own.
    const paired = roundTrip([['a\uD83D', '\uDE00b']]);
    expect(paired.refs[0]!.wide).toBe(true);
    expect(paired.back).toEqual([['a\uD83D', '\uDE00b']]);
    expect(paired.column).toEqual([['a\uD83D', '\uDE00b']]);
    // A byte-order mark is a character like any other, first in the text or first in a string.
    const marked = [['\uFEFFa', 'b', '\uFEFF', '\uFEFFc\uFEFF']];
    expect(roundTrip(marked).back).toEqual(marked);
    expect(roundTrip(marked).column).toEqual(marked);
  });

  it('refuses lengths that do not cover the text', () => {
    const w = new SnapshotWriter();
    const ref = w.strings(['abc', 'de']);
    const bytes = w.finish({ ref, short: { ...ref, lengths: w.blob(Int32Array.of(3, 1)) } });
    const r = new SnapshotReader(bytes);
    const h = r.header as { ref: typeof ref; short: typeof ref };
    expect(r.strings(h.ref)).toEqual(['abc', 'de']);
    expect(() => r.strings(h.short)).toThrow(/do not cover the text/);
    expect(() => r.stringColumn(h.short)).toThrow(/do not cover the text/);
  });

  it('refuses, in a column, lengths that run past the text or end inside a character', () => {
    const w = new SnapshotWriter();
    const ref = w.strings(['😀', 'Đ']);
    const bytes = w.finish({
      long: { ...ref, lengths: w.blob(Int32Array.of(2, 2)) },
      split: { ...ref, lengths: w.blob(Int32Array.of(1, 2)) },
    });
    const r = new SnapshotReader(bytes);
    const h = r.header as Record<'long' | 'split', typeof ref>;
    expect(() => r.stringColumn(h.long)).toThrow('the lengths run past the text');
    expect(() => r.stringColumn(h.split)).toThrow('string #0 ends inside a character');
  });
});

describe('packIntLists and ListIndex', () => {
  it('round-trip lists of records of any width, empty ones included: each owner’s words viewed, owners without a list known', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.uniqueArray(fc.tuple(fc.nat(50), fc.array(fc.integer(), { maxLength: 6 })), {
          selector: ([owner]) => owner,
          maxLength: 8,
        }),
        (width, drawn) => {
          const lists = drawn.map(
            ([owner, records]) => [owner, records.flatMap((x) => Array(width).fill(x))] as const,
          );
          const w = new SnapshotWriter();
          const r = new SnapshotReader(w.finish(packIntLists(w, lists, width)));
          const index = ListIndex.ints(r, r.header as ReturnType<typeof packIntLists>, width);
          expect(index.size).toBe(lists.length);
          const byOwner = new Map(lists);
          for (let owner = -1; owner <= 51; owner++) {
            expect(index.has(owner)).toBe(byOwner.has(owner));
            const words = index.words(owner);
            expect(words && Array.from(words)).toEqual(byOwner.get(owner));
          }
          const seen: [number, number][] = [];
          index.forEachOwner((owner, n) => seen.push([owner, n]));
          expect(seen).toEqual(
            [...byOwner].sort((a, b) => a[0] - b[0]).map(([owner, words]) => [owner, words.length]),
          );
        },
      ),
      fcParams,
    );
  });

  it('refuses an owner listed twice or negative, and lengths that run past the data or leave some of it', () => {
    const w = new SnapshotWriter();
    const packed = packIntLists(
      w,
      [
        [7, [1, 2, 3]],
        [8, [4, 5, 6]],
      ],
      3,
    );
    const bytes = w.finish({
      twice: { ...packed, owners: w.blob(Int32Array.of(7, 7)) },
      negative: { ...packed, owners: w.blob(Int32Array.of(7, -1)) },
      long: { ...packed, lengths: w.blob(Int32Array.of(1, 2)) },
      short: { ...packed, lengths: w.blob(Int32Array.of(1, 0)) },
    });
    const r = new SnapshotReader(bytes);
    const h = r.header as Record<'twice' | 'negative' | 'long' | 'short', typeof packed>;
    expect(() => ListIndex.ints(r, h.twice, 3)).toThrow('owner 7 has two lists');
    expect(() => ListIndex.ints(r, h.negative, 3)).toThrow('a list names owner -1');
    expect(() => ListIndex.ints(r, h.long, 3)).toThrow('the list of 8 runs past the data');
    expect(() => ListIndex.ints(r, h.short, 3)).toThrow('the lists do not cover the data');
  });
});

describe('SnapshotReader', () => {
  it('refuses a blob reference outside the body', () => {
    const w = new SnapshotWriter();
    const ref = w.blob(new Int32Array(4));
    const r = new SnapshotReader(w.finish({}));
    expect([...r.i32(ref)]).toEqual([0, 0, 0, 0]);
    expect(() => r.i32({ ...ref, n: 5 })).toThrow('a blob of 5 × 4 bytes at 0 lies outside the body');
    expect(() => r.f64({ ...ref, o: -8, n: 1 })).toThrow('lies outside the body');
    expect(() => r.u8({ ...ref, n: 17 })).toThrow('lies outside the body');
  });
});
