import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fixedClock } from '@chitieu/core';
import { syntheticBatches, syntheticLog, syntheticShape } from '@chitieu/fixtures';
import { SqliteEventStore } from '@chitieu/sqlite';
import Database from 'better-sqlite3';
import { removeDatabase } from './paths.ts';
import type { Progress } from './progress.ts';
import { REFERENCE_INDEXES } from './sql-reference.ts';
import { UnitMapBuilder } from './unit-map.ts';

/** Bump when the cached file's extra tables or indexes change, so old caches are rebuilt. */
const CACHE_FORMAT = 2;

/** recordedAt of every cached event: a fixed clock makes the file the same on every machine. */
export const CACHE_CLOCK = fixedClock('2026-01-15T03:00:00Z');

export interface CachedLog {
  readonly path: string;
  readonly events: number;
  readonly seed: number;
  /** Province unit ids (the pre-2025 tree), for drawing queries. */
  readonly provinces: readonly string[];
  /** Milliseconds spent generating it in this run; 0 when it was reused. */
  readonly generatedMs: number;
}

/**
 * A fingerprint of what the generator would produce: its shape and first events. A cached file with another
 * fingerprint was made by another version of the generator and is rebuilt.
 */
const fingerprint = (events: number, seed: number): string => {
  const h = createHash('sha256');
  h.update(JSON.stringify(syntheticShape({ events, seed })));
  let i = 0;
  for (const e of syntheticLog({ events, seed })) {
    h.update(JSON.stringify(e));
    if (++i === 2_000) break;
  }
  return h.update(`format ${CACHE_FORMAT}`).digest('hex').slice(0, 16);
};

const readMeta = (path: string): Record<string, string> | undefined => {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT key, value FROM bench_meta').raw().all() as [string, string][];
      return Object.fromEntries(rows);
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
};

/**
 * The synthetic log of `events` events in a SQLite file written by `SqliteEventStore`, generated once per
 * size and seed and reused while the generator's fingerprint stays the same.
 */
export const ensureCachedLog = async (
  dir: string,
  events: number,
  seed: number,
  progress: Progress,
): Promise<CachedLog> => {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `log-${events}-seed${seed}.db`);
  const print = fingerprint(events, seed);
  const meta = existsSync(path) ? readMeta(path) : undefined;
  if (meta?.fingerprint === print && meta.complete === '1') {
    return { path, events, seed, provinces: JSON.parse(meta.provinces!) as string[], generatedMs: 0 };
  }
  removeDatabase(path);
  const started = Date.now();
  const tmp = `${path}.tmp-${process.pid}`;
  removeDatabase(tmp);
  const units = new UnitMapBuilder();
  // No fsync while loading: the file is renamed into place only once it is complete and closed.
  const store = SqliteEventStore.open({ path: tmp, synchronous: 'off', clock: CACHE_CLOCK });
  let written = 0;
  let unsupported = 0;
  for (const writes of syntheticBatches({ events, seed }, 5_000)) {
    for (const w of writes) {
      for (const e of w.events) {
        units.observe(e);
        if (e.type === 'activity.corrected') {
          const set = (e.data as { set: Record<string, unknown> }).set;
          if (Object.keys(set).some((k) => k !== 'quantity')) unsupported++;
        }
        // Days are compared as text in SQL, which is exact for dates (an instant's day depends on UTC+7).
        if (e.type === 'activity.recorded' && !/^\d{4}-\d{2}-\d{2}$/.test(e.occurredAt)) unsupported++;
      }
    }
    const result = await store.appendBatch(writes);
    written = result.head;
    progress.update(
      `log ${events.toLocaleString('en')}: generated ${((100 * written) / events).toFixed(1)}%`,
      10_000,
    );
  }
  await store.close();
  // The SQL reference restates corrections of quantity only; a log with others would make it dishonest.
  if (unsupported > 0) {
    throw new Error(
      `${unsupported} events are beyond the SQL reference (corrections of more than the quantity, instants)`,
    );
  }
  progress.update(`log ${events.toLocaleString('en')}: building the SQL reference's map and indexes`, 0);
  const db = new Database(tmp);
  try {
    units.write(db);
    for (const ddl of REFERENCE_INDEXES) db.exec(ddl);
    db.exec('ANALYZE');
    db.exec('CREATE TABLE bench_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const put = db.prepare('INSERT INTO bench_meta VALUES (?, ?)');
    put.run('fingerprint', print);
    put.run('events', String(written));
    put.run('seed', String(seed));
    put.run('provinces', JSON.stringify(units.provinces()));
    put.run('complete', '1');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  if (written !== events) throw new Error(`generated ${written} events, expected ${events}`);
  renameSync(tmp, path);
  removeDatabase(tmp, ['-wal', '-shm', '-checkpoints']);
  return { path, events, seed, provinces: units.provinces(), generatedMs: Date.now() - started };
};
