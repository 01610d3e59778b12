import { describe, expect, it } from 'vitest';
import { postgresOptionsFromEnv } from './options-from-env.ts';

describe('postgresOptionsFromEnv', () => {
  it('says nothing when no URL is set, so the host keeps its default store', () => {
    expect(postgresOptionsFromEnv({})).toBeUndefined();
    expect(
      postgresOptionsFromEnv({ CHITIEU_DATABASE_URL: '  ', CHITIEU_DATABASE_POOL_SIZE: '4' }),
    ).toBeUndefined();
  });

  it('reads the URL, pool size, statement timeout and schema', () => {
    expect(
      postgresOptionsFromEnv({
        CHITIEU_DATABASE_URL: 'postgresql://chitieu@db:5432/chitieu',
        CHITIEU_DATABASE_POOL_SIZE: '20',
        CHITIEU_DATABASE_STATEMENT_TIMEOUT_MS: '5000',
        CHITIEU_DATABASE_SCHEMA: 'doan_soc_trang',
      }),
    ).toEqual({
      connectionString: 'postgresql://chitieu@db:5432/chitieu',
      poolSize: 20,
      statementTimeoutMs: 5000,
      schema: 'doan_soc_trang',
    });
    expect(postgresOptionsFromEnv({ CHITIEU_DATABASE_URL: 'postgresql://db/x' })).toEqual({
      connectionString: 'postgresql://db/x',
    });
  });

  it('names the variable when a number is malformed', () => {
    for (const bad of ['0', '-1', '2.5', 'ten']) {
      expect(() =>
        postgresOptionsFromEnv({
          CHITIEU_DATABASE_URL: 'postgresql://db/x',
          CHITIEU_DATABASE_POOL_SIZE: bad,
        }),
      ).toThrow(/CHITIEU_DATABASE_POOL_SIZE/);
    }
  });
});
