import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PersonRegistry } from './person-registry.ts';
import { hashPersonId } from './string-hash.ts';

const fcParams = { seed: 20_251_123, numRuns: 100, verbose: 1 } as const;

describe('PersonRegistry', () => {
  it('assigns dense indices in first-seen order and returns the same index for a repeat', () => {
    const registry = new PersonRegistry();
    expect(registry.intern('st-00000002')).toBe(0);
    expect(registry.intern('st-00000001')).toBe(1);
    expect(registry.intern('st-00000002')).toBe(0);
    expect(registry.size).toBe(2);
    expect(registry.lookup('st-00000001')).toBe(1);
    expect(registry.lookup('st-00000003')).toBeUndefined();
    expect(registry.size).toBe(2);
    expect(registry.idOf(1)).toBe('st-00000001');
  });

  it('keeps the hash of every id, computed once, across growth of its storage', () => {
    const registry = new PersonRegistry();
    for (let i = 0; i < 1000; i++) registry.intern(`p-${i}`);
    for (let i = 0; i < 1000; i += 37) expect(registry.hashOf(i)).toBe(hashPersonId(`p-${i}`));
    expect(registry.hashOf(999)).toBe(hashPersonId('p-999'));
  });

  it('trims its storage to what it holds, keeps every id, hash and index, and grows again after', () => {
    const registry = new PersonRegistry();
    for (let i = 0; i < 1000; i++) registry.intern(`p-${i}`);
    const before = registry.byteLength;
    // 1000 ids of 3 to 5 bytes in arrays grown by half: room is left in each.
    expect(registry.trim(before)).toBe(0);
    expect(registry.byteLength).toBe(before);
    const given = registry.trim();
    expect(given).toBeGreaterThan(0);
    expect(registry.byteLength).toBe(before - given);
    // What is left: the ids' bytes (10 of 3 bytes, 90 of 4, 900 of 5), a length and a hash each, a start
    // per 16, and the table, kept: 1,000 ids in 1,472 slots are more than two thirds full already.
    expect(registry.exportState().table.length).toBe(1472);
    expect(registry.byteLength).toBe(10 * 3 + 90 * 4 + 900 * 5 + 1000 * 5 + 63 * 4 + 1472 * 4);
    expect(registry.trim()).toBe(0);
    for (let i = 0; i < 1000; i++) {
      expect(registry.lookup(`p-${i}`)).toBe(i);
      expect(registry.idOf(i)).toBe(`p-${i}`);
      expect(registry.hashOf(i)).toBe(hashPersonId(`p-${i}`));
    }
    expect(registry.intern('p-1000')).toBe(1000);
    expect(registry.intern('p-5')).toBe(5);
    expect(registry.idOf(1000)).toBe('p-1000');
    expect(registry.hashes[1000]).toBe(hashPersonId('p-1000'));
    // The 1,105th id doubles the table (to 3,008 slots); a trim cuts it to two thirds full (1,664).
    for (let i = 1001; i < 1105; i++) registry.intern(`p-${i}`);
    expect(registry.exportState().table.length).toBe(3008);
    expect(registry.trim(1344 * 4 + 1)).toBe(0);
    expect(registry.trim(1344 * 4)).toBeGreaterThanOrEqual(1344 * 4);
    expect(registry.exportState().table.length).toBe(1664);
    for (let i = 0; i < 1105; i += 7) expect(registry.lookup(`p-${i}`)).toBe(i);
    expect(registry.lookup('p-1105')).toBeUndefined();
  });

  it('rejects indices it never gave out', () => {
    const registry = new PersonRegistry();
    registry.intern('a');
    expect(() => registry.hashOf(1)).toThrow(RangeError);
    expect(() => registry.hashOf(-1)).toThrow(RangeError);
    expect(() => registry.idOf(0.5)).toThrow(RangeError);
  });

  it('round-trips through its ids in index order, and refuses a list with a repeat', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 60 }), (ids) => {
        const registry = new PersonRegistry();
        const indices = ids.map((id) => registry.intern(id));
        const restored = PersonRegistry.fromIds(registry.ids());
        expect(restored.size).toBe(registry.size);
        expect(new Set(indices).size).toBe(registry.size);
        ids.forEach((id, i) => {
          expect(restored.lookup(id)).toBe(indices[i]);
          expect(restored.hashOf(indices[i]!)).toBe(hashPersonId(id));
        });
      }),
      fcParams,
    );
    expect(() => PersonRegistry.fromIds(['a', 'b', 'a'])).toThrow(RangeError);
  });

  it('restores from its arrays to the same indices, hashes and lookups, and keeps interning after', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: 'binary', maxLength: 8 }), { maxLength: 200 }), (ids) => {
        const valid = ids.filter((id) => !/\p{Cs}/u.test(id));
        const registry = PersonRegistry.fromIds(valid);
        const restored = PersonRegistry.fromState(registry.exportState());
        expect([...restored.ids()]).toEqual(valid);
        valid.forEach((id, i) => {
          expect(restored.lookup(id)).toBe(i);
          expect(restored.hashOf(i)).toBe(hashPersonId(id));
        });
        expect(restored.intern('a fresh id that no string of 8 reaches')).toBe(valid.length);
      }),
      fcParams,
    );
  });

  it('refuses arrays that disagree, and ids with an unpaired surrogate', () => {
    const registry = PersonRegistry.fromIds(['a', 'bb', 'ccc']);
    const state = registry.exportState();
    expect(() => PersonRegistry.fromState({ ...state, hashes: state.hashes.slice(1) })).toThrow(
      /one hash per id/,
    );
    expect(() => PersonRegistry.fromState({ ...state, lengths: Uint8Array.from([1, 2, 2]) })).toThrow(
      /fill the bytes/,
    );
    expect(() => PersonRegistry.fromState({ ...state, lengths: Uint8Array.from([1, 2]) })).toThrow(
      /one hash per id/,
    );
    expect(() => PersonRegistry.fromState({ ...state, table: new Int32Array(128) })).toThrow(/holds 0 of 3/);
    const table = state.table.slice();
    const empty = table.indexOf(0);
    table[empty] = 4;
    expect(() => PersonRegistry.fromState({ ...state, table })).toThrow(`table slot ${empty} holds 4`);
    table[empty] = -1;
    expect(() => PersonRegistry.fromState({ ...state, table })).toThrow(`table slot ${empty} holds -1`);
    expect(() => registry.intern('x\uD800')).toThrow(/unpaired surrogate/);
    expect(() => registry.intern('é'.repeat(128))).toThrow('person id of 256 UTF-8 bytes: at most 255');
    expect(registry.size).toBe(3);
  });

  it('keeps its table at most three quarters full, doubles it, and refuses a restore whose table is fuller', () => {
    const ids = Array.from({ length: 97 }, (_, i) => `id-${i}`);
    const registry = PersonRegistry.fromIds(ids.slice(0, 96));
    expect(registry.exportState().table.length).toBe(128);
    registry.intern(ids[96]!);
    const state = registry.exportState();
    // 97 ids at three eighths: 258.7 slots, rounded up to a multiple of 64.
    expect(state.table.length).toBe(320);
    expect(ids.map((id) => registry.lookup(id))).toEqual(ids.map((_, i) => i));
    const squeezed = new Int32Array(128);
    state.table.forEach((v, i) => {
      if (v !== 0) squeezed[i % 128] = v;
    });
    expect(() => PersonRegistry.fromState({ ...state, table: squeezed })).toThrow('a table of 128 slots');
    expect(() => PersonRegistry.fromState({ ...state, table: new Int32Array(64) })).toThrow(
      'a table of 64 slots',
    );
    // 240 ids fill 320 slots three quarters; the 241st grows them to 642.7, rounded to 704.
    for (let i = 97; i < 240; i++) registry.intern(`id-${i}`);
    expect(registry.exportState().table.length).toBe(320);
    registry.intern('id-240');
    expect(registry.exportState().table.length).toBe(704);
    expect(registry.lookup('id-100')).toBe(100);
  });

  it('keeps ids of any length up to 255 bytes, in groups of 16, through trims, growth and a restore', () => {
    const lengths = fc.integer({ min: 0, max: 85 });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: 'grapheme', minLength: 0, maxLength: 85 }), { maxLength: 120 }),
        lengths,
        (raw, cut) => {
          const ids = raw.filter((id) => new TextEncoder().encode(id).length <= 255);
          const registry = new PersonRegistry();
          const interned: number[] = [];
          for (const id of ids.slice(0, cut)) interned.push(registry.intern(id));
          registry.trim();
          for (const id of ids.slice(cut)) interned.push(registry.intern(id));
          expect(interned).toEqual(ids.map((_, i) => i));
          const restored = PersonRegistry.fromState(registry.exportState());
          for (const r of [registry, restored]) {
            expect([...r.ids()]).toEqual(ids);
            expect(ids.map((id) => r.lookup(id))).toEqual(ids.map((_, i) => i));
          }
        },
      ),
      fcParams,
    );
    const registry = PersonRegistry.fromIds(['x'.repeat(255), '', 'é'.repeat(127)]);
    expect([...registry.ids()]).toEqual(['x'.repeat(255), '', 'é'.repeat(127)]);
  });
});
