/** What the environment can say about the PostgreSQL store; `newId` and the clock come from the host. */
export interface PostgresEnvOptions {
  readonly connectionString: string;
  readonly poolSize?: number;
  readonly statementTimeoutMs?: number;
  readonly schema?: string;
}

const positiveInteger = (env: Readonly<Record<string, string | undefined>>, name: string) => {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive whole number, not '${text}'`);
  }
  return value;
};

/**
 * Reads the store's connection settings from an environment (`process.env` in `main.ts`):
 * `CHITIEU_DATABASE_URL`, and optionally `CHITIEU_DATABASE_POOL_SIZE`, `CHITIEU_DATABASE_STATEMENT_TIMEOUT_MS`
 * and `CHITIEU_DATABASE_SCHEMA`. Returns undefined when no URL is set (the host then uses SQLite); throws
 * a RangeError naming the variable when a number is malformed.
 * @example
 * const pg = postgresOptionsFromEnv(process.env);
 * const store = pg ? await PostgresEventStore.open({ ...pg, newId }) : openSqlite();
 */
export const postgresOptionsFromEnv = (
  env: Readonly<Record<string, string | undefined>>,
): PostgresEnvOptions | undefined => {
  const connectionString = env.CHITIEU_DATABASE_URL?.trim();
  if (connectionString === undefined || connectionString === '') return undefined;
  const poolSize = positiveInteger(env, 'CHITIEU_DATABASE_POOL_SIZE');
  const statementTimeoutMs = positiveInteger(env, 'CHITIEU_DATABASE_STATEMENT_TIMEOUT_MS');
  const schema = env.CHITIEU_DATABASE_SCHEMA?.trim();
  return {
    connectionString,
    ...(poolSize === undefined ? {} : { poolSize }),
    ...(statementTimeoutMs === undefined ? {} : { statementTimeoutMs }),
    ...(schema === undefined || schema === '' ? {} : { schema }),
  };
};
