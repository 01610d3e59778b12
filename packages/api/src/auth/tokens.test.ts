import { describe, expect, it } from 'vitest';
import { hashToken, parseTokens, TokenTable } from './tokens.ts';

const HASH = hashToken('secret');

describe('tokens', () => {
  it('hashes with sha256 in hex', () => {
    expect(HASH).toBe('2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b');
  });

  it('parses a list or { tokens }, and finds an entry by the presented secret', () => {
    const entries = parseTokens(
      JSON.stringify({ tokens: [{ name: 'a', sha256: HASH, scopes: ['read'], unit: 'u' }] }),
      'test',
    );
    expect(entries).toEqual([{ name: 'a', sha256: HASH, scopes: ['read'], unit: 'u' }]);
    const table = new TokenTable(entries);
    expect(table.lookup('secret')?.name).toBe('a');
    expect(table.lookup(HASH)).toBeUndefined();
  });

  it('refuses plain tokens, bad hashes, unknown scopes and duplicate names, naming the entry', () => {
    const bad = [
      [{ name: 'a', token: 'secret', scopes: ['read'] }],
      [{ name: 'a', sha256: 'abc', scopes: ['read'] }],
      [{ name: 'a', sha256: HASH, scopes: ['root'] }],
      [{ name: 'a', sha256: HASH, scopes: [] }],
      [
        { name: 'a', sha256: HASH, scopes: ['read'] },
        { name: 'a', sha256: HASH, scopes: ['read'] },
      ],
      { nope: 1 },
    ];
    for (const b of bad)
      expect(() => parseTokens(JSON.stringify(b), 'file.json'), JSON.stringify(b)).toThrow(/file\.json/);
    expect(() => parseTokens('{', 'file.json')).toThrow(/not valid JSON/);
  });
});
