import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { EventStore } from '@chitieu/core';
import { SqliteEventStore } from '@chitieu/sqlite';
import Database from 'better-sqlite3';
import type { Progress } from './progress.ts';
import { msSince } from './stats.ts';

/** The projector's page size, used by the raw read too so both make the same number of calls. */
export const PAGE = 5_000;

type Row = [number, string, string, number, string, number, string, string, string, string | null];

/**
 * Reads the database file once so the measurements after it start from the same warm page cache, whichever
 * runs first.
 */
export const warmFile = (path: string): number => {
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(1 << 20);
  let total = 0;
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      total += n;
    }
  } finally {
    closeSync(fd);
  }
  return total || statSync(path).size;
};

/**
 * The physical reference for a rebuild: every row in position order, pages of 5,000 by primary key, with
 * `data` (and `meta`) through JSON.parse — what any fold over this table must at least do.
 */
export const rawRead = (
  path: string,
  progress: Progress,
  limit = Number.POSITIVE_INFINITY,
): { ms: number; events: number } => {
  const db = new Database(path, { readonly: true });
  try {
    const page = db
      .prepare<[number, number], Row>(
        `SELECT position, id, stream, version, type, schema_version, occurred_at, recorded_at, data, meta
           FROM events WHERE position > ? ORDER BY position LIMIT ?`,
      )
      .raw();
    const start = process.hrtime.bigint();
    let after = 0;
    let events = 0;
    let check = 0;
    while (events < limit) {
      const rows = page.all(after, PAGE);
      if (rows.length === 0) break;
      for (const r of rows) {
        const data = JSON.parse(r[8]) as { unitId?: unknown };
        const meta = r[9] === null ? null : (JSON.parse(r[9]) as unknown);
        // Touch the parsed values so no engine can skip the parse.
        if (data.unitId !== undefined || meta !== null) check++;
      }
      events += rows.length;
      after = rows[rows.length - 1]![0];
      progress.update(`raw read: ${events.toLocaleString('en')} rows`);
    }
    const ms = msSince(start);
    if (check < 0) throw new Error('unreachable');
    return { ms, events };
  } finally {
    db.close();
  }
};

/** The store's own read path (readAll pages, upcast), without the fold: where a rebuild's reading ends. */
export const storeRead = async (
  store: EventStore,
  progress: Progress,
  limit = Number.POSITIVE_INFINITY,
): Promise<{ ms: number; events: number }> => {
  const start = process.hrtime.bigint();
  let after = 0;
  let events = 0;
  while (events < limit) {
    const page = await store.readAll({ after, limit: PAGE });
    if (page.events.length === 0) break;
    events += page.events.length;
    after = page.next;
    progress.update(`store read: ${events.toLocaleString('en')} events`);
  }
  return { ms: msSince(start), events };
};

/** A partial pass of each read first: the first to run would otherwise pay for the JIT's warm-up. */
const WARM_UP_EVENTS = 100_000;

/** The reads a rebuild is compared with (milliseconds over the whole log). */
export interface ReadTimes {
  /** The physical reference for a rebuild: SELECT … ORDER BY position + JSON.parse. */
  readonly rawReadMs: number;
  /** The store's read path alone (readAll, upcast), no fold. */
  readonly storeReadMs: number;
}

/**
 * The `read` phase: warms the page cache with the file, then times the raw read and the store's read path,
 * each after a partial pass. A process of its own, before the size's: the tens of millions of rows and
 * objects the reads go through leave the allocator fragmented (at 10M the process read 117 MB at rest
 * after them, against 58 MB for the same modules loaded and nothing read), which the memory after loading
 * would count though no server does such reads; the rebuild, in the next process, finds the page cache
 * as warm.
 */
export const benchReads = async (path: string, label: string, progress: Progress): Promise<ReadTimes> => {
  progress.update(`${label}: warming the page cache`, 0);
  warmFile(path);
  const store = SqliteEventStore.open({ path });
  try {
    rawRead(path, progress, WARM_UP_EVENTS);
    await storeRead(store, progress, WARM_UP_EVENTS);
    const raw = rawRead(path, progress);
    progress.done(`${label}: raw read ${Math.round(raw.ms)} ms`);
    const read = await storeRead(store, progress);
    progress.done(`${label}: store read ${Math.round(read.ms)} ms`);
    return { rawReadMs: raw.ms, storeReadMs: read.ms };
  } finally {
    await store.close();
  }
};
