import { activity } from '@chitieu/core/testing';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, type Migration, migrate, SchemaTooNewError } from './schema.ts';
import { SqliteEventStore } from './sqlite-event-store.ts';
import { tempDir } from './testing/temp-dir.ts';

const tmp = tempDir('sqlite-schema');
afterAll(() => tmp.remove());

const userVersion = (path: string) => {
  const db = new Database(path, { readonly: true });
  const v = db.pragma('user_version', { simple: true });
  db.close();
  return v;
};

describe('schema migrations', () => {
  it('creates the schema on first open and records its version in user_version', async () => {
    const path = tmp.file();
    const store = SqliteEventStore.open({ path });
    await store.close();
    expect(userVersion(path)).toBe(MIGRATIONS.at(-1)!.version);
    const db = new Database(path, { readonly: true });
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    db.close();
    expect(tables).toEqual(['checkpoint_parts', 'checkpoints', 'events']);
  });

  it('does not rerun migrations when an existing file is opened again, and keeps its events', async () => {
    const path = tmp.file();
    const first = SqliteEventStore.open({ path });
    await first.append('activity-a', [activity('a', 'u1', '2024-01-01')]);
    await first.close();
    // The first migration uses plain CREATE TABLE, so a rerun would throw "table events already exists".
    const again = SqliteEventStore.open({ path });
    expect(await again.head()).toBe(1);
    await again.close();
    const db = new Database(path);
    expect(migrate(db)).toEqual({ from: 3, to: 3 });
    db.close();
  });

  it('upgrades a version-1 file: its checkpoint still loads, and large ones are then kept in parts', async () => {
    const path = tmp.file();
    const db = new Database(path);
    migrate(db, MIGRATIONS.slice(0, 1));
    db.prepare(
      "INSERT INTO checkpoints (name, position, saved_at, state) VALUES ('p', 0, '2024-01-01T00:00:00.000Z', ?)",
    ).run(Buffer.from([1, 2, 3]));
    db.close();
    const store = SqliteEventStore.open({ path, checkpointPartBytes: 2 });
    expect(await store.loadCheckpoint('p')).toEqual({
      position: 0,
      savedAt: '2024-01-01T00:00:00.000Z',
      state: new Uint8Array([1, 2, 3]),
    });
    await store.saveCheckpoint('p', 0, new Uint8Array([4, 5, 6]));
    expect((await store.loadCheckpoint('p'))?.state).toEqual(new Uint8Array([4, 5, 6]));
    await store.close();
    expect(userVersion(path)).toBe(MIGRATIONS.at(-1)!.version);
  });

  it('applies only the migrations newer than the file, each once, in order', () => {
    const path = tmp.file();
    const ran: number[] = [];
    const db = new Database(path);
    // A migration that records its run in a table proves it ran exactly once across opens.
    const step = (version: number): Migration => ({
      version,
      name: `step ${version}`,
      sql: `CREATE TABLE IF NOT EXISTS runs (version INTEGER); INSERT INTO runs VALUES (${version});`,
    });
    expect(migrate(db, [step(1)])).toEqual({ from: 0, to: 1 });
    expect(migrate(db, [step(1), step(2), step(3)])).toEqual({ from: 1, to: 3 });
    expect(migrate(db, [step(1), step(2), step(3)])).toEqual({ from: 3, to: 3 });
    for (const v of db.prepare('SELECT version FROM runs ORDER BY rowid').pluck().all())
      ran.push(v as number);
    expect(ran).toEqual([1, 2, 3]);
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    db.close();
  });

  it('rolls a failed migration back whole, leaving the version where it was', () => {
    const db = new Database(tmp.file());
    migrate(db, [{ version: 1, name: 'one', sql: 'CREATE TABLE a (x INTEGER);' }]);
    const broken: Migration = {
      version: 2,
      name: 'two',
      sql: 'CREATE TABLE b (x INTEGER); SELECT nope FROM nowhere;',
    };
    expect(() => migrate(db, [{ version: 1, name: 'one', sql: '' }, broken])).toThrow(/nowhere/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'b'").pluck().get()).toBe(0);
    db.close();
  });

  it('refuses a file written by a newer schema', async () => {
    const path = tmp.file();
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => SqliteEventStore.open({ path })).toThrow(SchemaTooNewError);
  });
});
