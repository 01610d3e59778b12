import { Client, escapeIdentifier, type Pool } from 'pg';
import type { SqlClient, SqlQueryable } from './sql-client.ts';

export interface PgPoolClientOptions {
  /** End the pool when the adapter closes (true when the store created it from a connection string). */
  readonly ownsPool?: boolean;
  /** Wait this long before re-opening a lost LISTEN connection (default 1 s). */
  readonly reconnectMs?: number;
}

const asParams = (params: readonly unknown[] | undefined) => (params === undefined ? [] : [...params]);

/** A {@link SqlClient} over a node-postgres pool: one pooled connection per transaction. */
export const pgPoolClient = (pool: Pool, options: PgPoolClientOptions = {}): SqlClient => {
  const listeners = new Set<() => Promise<void>>();
  const reconnectMs = options.reconnectMs ?? 1_000;

  const listen = async (channel: string, onNotify: (payload: string | undefined) => void) => {
    let stopped = false;
    let current: Client | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    // LISTEN needs a connection of its own for as long as it listens. Taking it from the pool would
    // shrink the pool for appends (and deadlock a pool of one), so it is a separate client with the
    // pool's settings.
    const connect = async () => {
      const client = new Client(pool.options);
      client.on('notification', (n) => {
        if (n.channel === channel) onNotify(n.payload ?? '');
      });
      client.on('error', () => lost(client));
      client.on('end', () => lost(client));
      try {
        await client.connect();
        await client.query(`LISTEN ${escapeIdentifier(channel)}`);
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      if (stopped) await client.end().catch(() => undefined);
      else current = client;
    };
    // A dropped connection loses LISTEN, and with it every NOTIFY until it is back. Followers still poll,
    // so nothing is lost, only slower; reconnect in the background and wake them once it is back.
    const lost = (client: Client) => {
      if (current !== client) return;
      current = undefined;
      client.end().catch(() => undefined);
      schedule();
    };
    const schedule = () => {
      if (stopped) return;
      retry = setTimeout(() => {
        connect().then(
          () => onNotify(undefined),
          () => schedule(),
        );
      }, reconnectMs);
      retry.unref?.();
    };
    await connect();
    const stop = async () => {
      stopped = true;
      listeners.delete(stop);
      clearTimeout(retry);
      const client = current;
      current = undefined;
      await client?.end().catch(() => undefined);
    };
    listeners.add(stop);
    return stop;
  };

  return {
    async query<R>(text: string, params?: readonly unknown[]) {
      return (await pool.query(text, asParams(params))).rows as R[];
    },
    async transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      const connection = await pool.connect();
      let broken: Error | undefined;
      try {
        // Explicit, so that a server default of REPEATABLE READ cannot give the append a snapshot taken
        // before it waited for the append lock (see postgres-store.ts).
        await connection.query('BEGIN ISOLATION LEVEL READ COMMITTED');
        const result = await work({
          query: async <R>(text: string, params?: readonly unknown[]) =>
            (await connection.query(text, asParams(params))).rows as R[],
        });
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch((e: unknown) => {
          broken = e instanceof Error ? e : new Error(String(e));
        });
        throw error;
      } finally {
        // A connection whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
        connection.release(broken);
      }
    },
    listen,
    async close() {
      await Promise.all([...listeners].map((stop) => stop()));
      if (options.ownsPool) await pool.end();
    },
  };
};
