import type { SqlClient, SqlQueryable } from './sql-client.ts';

interface PgliteQueryable {
  query<T>(query: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

/**
 * The part of a PGlite instance (`@electric-sql/pglite`) the adapter uses, named structurally so that this
 * package does not depend on PGlite at run time: only embedders and tests bring it.
 */
export interface PgliteLike extends PgliteQueryable {
  transaction<T>(callback: (tx: PgliteQueryable) => Promise<T>): Promise<T>;
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const asParams = (params: readonly unknown[] | undefined) => (params === undefined ? [] : [...params]);

const queryOn = (target: PgliteQueryable): SqlQueryable => ({
  async query<R>(text: string, params?: readonly unknown[]) {
    return (await target.query<R>(text, asParams(params))).rows;
  },
});

/**
 * A {@link SqlClient} over an embedded PGlite database. PGlite is one connection that runs one transaction
 * at a time, so appends are serial here anyway; the store's locks are still taken and cost nothing.
 */
export const pgliteClient = (db: PgliteLike, options: { ownsDatabase?: boolean } = {}): SqlClient => {
  const listeners = new Set<() => Promise<void>>();
  return {
    ...queryOn(db),
    transaction: (work) => db.transaction((tx) => work(queryOn(tx))),
    async listen(channel, onNotify) {
      const unlisten = await db.listen(channel, (payload) => onNotify(payload));
      const stop = async () => {
        listeners.delete(stop);
        await unlisten();
      };
      listeners.add(stop);
      return stop;
    },
    async close() {
      await Promise.all([...listeners].map((stop) => stop()));
      if (options.ownsDatabase) await db.close();
    },
  };
};
