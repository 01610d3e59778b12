/**
 * The little the store needs from a PostgreSQL connection, so that its SQL is written once and runs on a
 * node-postgres pool (servers) or on PGlite (embedded, tests). Adapters translate; the store never sees
 * a driver type.
 */

/** Runs one statement and returns its rows. */
export interface SqlQueryable {
  query<R>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface SqlClient extends SqlQueryable {
  /**
   * Runs `work` in one READ COMMITTED transaction on one connection: commits when it resolves, rolls back
   * when it throws (and rethrows).
   */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` for each NOTIFY on `channel` (a lowercase identifier), and once with `undefined`
   * whenever notifications may have been missed (a lost connection was re-established).
   * Resolves to a function that stops listening.
   */
  listen(channel: string, onNotify: (payload: string | undefined) => void): Promise<() => Promise<void>>;
  /** Releases what the adapter owns (a pool it created, listening connections). */
  close(): Promise<void>;
}

/** SQLSTATE of a unique or primary-key violation. */
export const UNIQUE_VIOLATION = '23505';

/** The SQLSTATE of an error from either driver, if it came from the server. */
export const sqlStateOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};
