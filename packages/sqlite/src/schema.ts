import type { Database } from 'better-sqlite3';

/** One step of the schema; `version` numbers run 1, 2, 3… and each is applied exactly once per file. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * The schema, oldest first. Never edit a shipped migration: files in the field already ran it, so a
 * change must be a new migration. Plain `CREATE TABLE` (no `IF NOT EXISTS`) makes an accidental rerun loud.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events and checkpoints',
    sql: `
      CREATE TABLE events (
        -- An alias of the rowid, so reading the log in order is a walk of the table itself. Positions are
        -- assigned by the append algorithm (head + 1, …), never by AUTOINCREMENT, so they stay gap-free.
        position INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        stream TEXT NOT NULL,
        version INTEGER NOT NULL,
        type TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        occurred_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        data TEXT NOT NULL,
        meta TEXT NULL,
        UNIQUE (stream, version)
      );
      CREATE TABLE checkpoints (
        name TEXT PRIMARY KEY,
        position INTEGER NOT NULL,
        saved_at TEXT NOT NULL,
        state BLOB NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'checkpoints in parts',
    // SQLite refuses a value over 1 GB (SQLITE_MAX_LENGTH), and national-scale checkpoints are larger. A
    // checkpoint of more than one part leaves `state` empty and keeps its bytes in numbered parts.
    sql: `
      ALTER TABLE checkpoints ADD COLUMN parts INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE checkpoint_parts (
        name TEXT NOT NULL,
        part INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        PRIMARY KEY (name, part)
      );
    `,
  },
  {
    version: 3,
    name: 'checkpoints in files',
    // SQLite reads a large blob through a chain of overflow pages at about 110 MB/s here: 16 s for a
    // national-scale checkpoint. A file-backed database keeps large checkpoints in a file beside it (its
    // own guidance for blobs past ~100 KB); the row then names the file and its length.
    sql: `
      ALTER TABLE checkpoints ADD COLUMN file TEXT NULL;
      ALTER TABLE checkpoints ADD COLUMN file_bytes INTEGER NULL;
    `,
  },
];

/** The file was written by a newer chitieu than this one; opening it could corrupt what it does not know. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(`database schema version ${found} is newer than this build supports (${supported})`);
    this.name = 'SchemaTooNewError';
  }
}

const userVersion = (db: Database): number => db.pragma('user_version', { simple: true }) as number;

/**
 * Brings the file's schema up to date, recording progress in `PRAGMA user_version` in the same transaction
 * as the change, so a crash mid-migration leaves the old version and the old schema.
 */
export const migrate = (
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): { from: number; to: number } => {
  const latest = migrations.at(-1)?.version ?? 0;
  const seen = userVersion(db);
  if (seen > latest) throw new SchemaTooNewError(seen, latest);
  if (seen === latest) return { from: seen, to: seen };
  // IMMEDIATE so two processes opening a fresh file at once queue up; the loser re-reads the version
  // inside the transaction and finds nothing left to do.
  return db
    .transaction(() => {
      const from = userVersion(db);
      for (const m of migrations) {
        if (m.version <= from) continue;
        db.exec(m.sql);
        db.pragma(`user_version = ${m.version}`);
      }
      return { from, to: Math.max(from, latest) };
    })
    .immediate();
};
