import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findUnstorable, hasUnstorable } from './envelope.ts';

describe('findUnstorable', () => {
  it('names the exact path of every unstorable string and key, in document order', () => {
    const nul = String.fromCharCode(0);
    const value = {
      ok: 'fine',
      list: ['a', `b${nul}`, { deep: ['x', '\uD800'] }],
      [`k${nul}`]: 'v',
      nested: { '\uDC00': `both${nul}` },
      pair: '\uD83D\uDE00',
    };
    expect(findUnstorable(value, 'writes.0.events.1.data').map((i) => [i.path, i.message])).toEqual([
      ['writes.0.events.1.data.list.1', 'contains NUL or an unpaired UTF-16 surrogate'],
      ['writes.0.events.1.data.list.2.deep.1', 'contains NUL or an unpaired UTF-16 surrogate'],
      [`writes.0.events.1.data.k${nul}`, 'key contains NUL or an unpaired surrogate'],
      ['writes.0.events.1.data.nested.\uDC00', 'key contains NUL or an unpaired surrogate'],
      ['writes.0.events.1.data.nested.\uDC00', 'contains NUL or an unpaired UTF-16 surrogate'],
    ]);
  });

  it('finds nothing in storable values, numbers, null and empty containers', () => {
    expect(findUnstorable({ a: [1, null, true, {}, []], b: 'Sóc Trăng 😀' }, 'data')).toEqual([]);
    expect(findUnstorable(null, 'meta')).toEqual([]);
  });
});

describe('hasUnstorable', () => {
  it('is true exactly when findUnstorable names something', () => {
    // Binary strings (any code unit, lone surrogates and NUL included), as keys and values at any depth.
    const value = fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 });
    fc.assert(
      fc.property(value, (v) => {
        expect(hasUnstorable(v)).toBe(findUnstorable(v, 'data').length > 0);
      }),
      { seed: 20_261_205, numRuns: 500, verbose: 1 },
    );
    expect(hasUnstorable({ a: [{ b: `x${String.fromCharCode(0)}` }] })).toBe(true);
    expect(hasUnstorable({ '\uDC00': 1 })).toBe(true);
    expect(hasUnstorable({ a: ['Sóc Trăng 😀', 1, null] })).toBe(false);
  });
});
