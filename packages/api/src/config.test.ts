import { describe, expect, it } from 'vitest';
import { hashToken } from './auth/tokens.ts';
import { readConfig } from './config.ts';

describe('readConfig', () => {
  it('has defaults for everything', () => {
    const c = readConfig({}, { cwd: '/srv/chitieu' });
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8787,
      sqlitePath: '/srv/chitieu/data/chitieu.db',
      tokens: [],
      openReads: undefined,
      bodyBytes: 1048576,
      rate: undefined,
      suppressionThreshold: 5,
      loadFixtures: true,
    });
  });

  it('reads overrides and tokens from the environment', () => {
    const tokens = JSON.stringify([{ name: 'a', sha256: hashToken('x'), scopes: ['read'] }]);
    const c = readConfig(
      {
        PORT: '0',
        HOST: '0.0.0.0',
        CHITIEU_DB: 'x.db',
        CHITIEU_TOKENS: tokens,
        CHITIEU_OPEN_READS: '1',
        CHITIEU_RATE_LIMIT: '10',
      },
      { cwd: '/w' },
    );
    expect(c).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      sqlitePath: '/w/x.db',
      openReads: true,
      rate: { perSecond: 10, burst: 20 },
    });
    expect(c.tokens).toHaveLength(1);
  });

  it('names the variable at fault', () => {
    expect(() => readConfig({ PORT: 'eighty' }, { cwd: '/' })).toThrow(/PORT/);
    expect(() => readConfig({ CHITIEU_OPEN_READS: 'maybe' }, { cwd: '/' })).toThrow(/CHITIEU_OPEN_READS/);
    expect(() => readConfig({ CHITIEU_TOKENS: '[]', CHITIEU_TOKENS_FILE: 'f' }, { cwd: '/' })).toThrow(
      /not both/,
    );
  });
});
