import { LOCK_MIGRATE, type SchemaNames } from './schema-name.ts';
import type { SqlClient } from './sql-client.ts';

/**
 * Versioned schema changes, applied in order on start. A migration is never edited once released: a
 * change is a new entry. Each runs in the same transaction as its row in `schema_migrations`.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: (s: string) => string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events and checkpoints',
    // recorded_at is TEXT, not TIMESTAMPTZ: the store must hand back the exact ISO string it assigned (or
    // an import carried), and a timestamp would re-render it (offset, precision) on the way out.
    sql: (s) => `
      CREATE TABLE ${s}.events (
        position       BIGINT PRIMARY KEY CHECK (position > 0),
        id             TEXT NOT NULL,
        stream         TEXT NOT NULL,
        version        INTEGER NOT NULL CHECK (version > 0),
        type           TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        occurred_at    TEXT NOT NULL,
        recorded_at    TEXT NOT NULL,
        data           JSONB NOT NULL,
        meta           JSONB,
        CONSTRAINT events_id_key UNIQUE (id),
        CONSTRAINT events_stream_version_key UNIQUE (stream, version)
      );
      CREATE TABLE ${s}.checkpoints (
        name     TEXT PRIMARY KEY,
        position BIGINT NOT NULL CHECK (position >= 0),
        saved_at TEXT NOT NULL,
        state    BYTEA
      );`,
  },
  {
    version: 2,
    name: 'checkpoints in parts',
    // A BYTEA value is capped at 1 GB, and national-scale checkpoints are larger: a checkpoint of more
    // than one part leaves \`state\` empty and keeps its bytes in numbered parts.
    sql: (s) => `
      ALTER TABLE ${s}.checkpoints ADD COLUMN parts INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE ${s}.checkpoint_parts (
        name  TEXT NOT NULL,
        part  INTEGER NOT NULL CHECK (part >= 0),
        bytes BYTEA NOT NULL,
        PRIMARY KEY (name, part)
      );`,
  },
];

/**
 * Brings the schema up to the latest migration. Safe when several nodes start at once: the first to take
 * the advisory lock migrates, the others wait for it and then find nothing left to do.
 */
export const migrate = async (
  client: SqlClient,
  names: SchemaNames,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<{ applied: number[] }> =>
  client.transaction(async (tx) => {
    // The lock comes before CREATE SCHEMA IF NOT EXISTS: two of those racing can still fail on the
    // catalogue's unique index, and "if not exists" checks do not serialise anything by themselves.
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_MIGRATE, names.schema]);
    const s = names.quoted;
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
         version    INTEGER PRIMARY KEY,
         name       TEXT NOT NULL,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const rows = await tx.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`);
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      for (const statement of splitStatements(m.sql(s))) await tx.query(statement);
      await tx.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [
        m.version,
        m.name,
      ]);
      applied.push(m.version);
    }
    return { applied };
  });

// The extended protocol (used for parameters) takes one statement per query; migrations hold no
// semicolons inside literals, so splitting on them is enough.
const splitStatements = (sql: string) =>
  sql
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '');
