import { PGlite } from '@electric-sql/pglite';
import { Pool } from 'pg';
import { afterAll } from 'vitest';
import { pgPoolClient } from './pg-pool-client.ts';
import { pgliteClient } from './pglite-client.ts';
import type { SqlClient } from './sql-client.ts';

/**
 * Where the tests find PostgreSQL. With `CHITIEU_TEST_DATABASE_URL` set (the project's machines: a server
 * at 127.0.0.1:5432, database `test`) they use that server, in schemas unique to the run and dropped
 * afterwards; PGlite (PostgreSQL compiled to WASM, in process) runs the same tests anywhere else.
 */
export const TEST_DATABASE_URL = process.env.CHITIEU_TEST_DATABASE_URL?.trim() || undefined;

export const NO_SERVER = 'needs a PostgreSQL server: set CHITIEU_TEST_DATABASE_URL to run';

export interface TestDatabase {
  /** A client shared by the file's tests. */
  readonly client: SqlClient;
  /** A schema name not used before in this run; dropped by `dispose`. */
  schema(): string;
  /**
   * Another client on the same database: on a server, a pool of its own (another API node, say); on
   * PGlite, which is one connection, the same database again.
   */
  connect(options?: { poolSize?: number; reconnectMs?: number }): SqlClient;
  /** Drops the run's schemas and closes every client. */
  dispose(): Promise<void>;
}

const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;

const schemaCounter = () => {
  const made: string[] = [];
  let n = 0;
  return {
    made,
    next: () => {
      n += 1;
      const name = `t_${runId}_${n}`;
      made.push(name);
      return name;
    },
  };
};

/** A database on the server at `url`. */
export const serverDatabase = async (url: string): Promise<TestDatabase> => {
  const schemas = schemaCounter();
  const pools: Pool[] = [];
  const connect = (options: { poolSize?: number; reconnectMs?: number } = {}) => {
    // Tests need durability against nothing but a clean shutdown; not waiting for the WAL flush at each
    // commit halves the time of an append.
    const pool = new Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      options: '-c synchronous_commit=off',
    });
    pool.on('error', () => undefined);
    pools.push(pool);
    return pgPoolClient(pool, options.reconnectMs === undefined ? {} : { reconnectMs: options.reconnectMs });
  };
  const client = connect();
  return {
    client,
    schema: schemas.next,
    connect,
    async dispose() {
      // In chunks: one DROP takes a lock per table and index, and the lock table is finite.
      for (let i = 0; i < schemas.made.length; i += 20) {
        const chunk = schemas.made.slice(i, i + 20).map((s) => `"${s}"`);
        await client.query(`DROP SCHEMA IF EXISTS ${chunk.join(', ')} CASCADE`);
      }
      await Promise.all(pools.map((p) => p.end()));
    },
  };
};

/** An in-memory PGlite database. */
export const pgliteDatabase = async (): Promise<TestDatabase> => {
  const db = await PGlite.create();
  const schemas = schemaCounter();
  const client = pgliteClient(db);
  return {
    client,
    schema: schemas.next,
    connect: () => pgliteClient(db),
    dispose: () => db.close(),
  };
};

/**
 * Opens the database on first use and disposes of it after the calling file's tests. Call at a file's
 * top level (it registers an `afterAll`); PGlite takes seconds to start, so a file opens it once.
 */
export const shared = (make: () => Promise<TestDatabase>): (() => Promise<TestDatabase>) => {
  let db: Promise<TestDatabase> | undefined;
  afterAll(async () => (await db)?.dispose());
  return () => {
    db ??= make();
    return db;
  };
};
