import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StreamWrite } from '@chitieu/core';
import { syntheticBatches } from '@chitieu/fixtures';
import { migrate, SqliteEventStore } from '@chitieu/sqlite';
import Database from 'better-sqlite3';
import { CACHE_CLOCK } from './log-cache.ts';
import { removeDatabase } from './paths.ts';
import type { Progress } from './progress.ts';
import { msSince } from './stats.ts';

/** One batch size: the store and raw better-sqlite3 writing the same rows in the same transactions. */
export interface AppendCase {
  readonly batchSize: number;
  readonly events: number;
  readonly transactions: number;
  /** Events per second through `SqliteEventStore.appendBatch` (best of the rounds). */
  readonly store: number;
  /** Events per second of raw inserts (best of the rounds). */
  readonly raw: number;
  readonly rounds: number;
}

type Row = [number, string, string, number, string, number, string, string, string, string | null];

const COLUMNS = 'position, id, stream, version, type, schema_version, occurred_at, recorded_at, data, meta';

/** Batch sizes and how many events each appends; batch 1 is one fsync per event, so it gets few. */
const PLAN = {
  full: { source: 1_000_000, skip: 100_000, counts: { 1: 2_000, 100: 50_000, 1000: 200_000 } },
  smoke: { source: 6_000, skip: 1_000, counts: { 1: 50, 100: 1_000, 1000: 3_000 } },
} as const;

const freshPath = (dir: string, name: string): string => {
  const path = join(dir, name);
  removeDatabase(path);
  return path;
};

/**
 * Events from the middle of a synthetic log (past the day-one tree, so mostly activities, as in production),
 * grouped as `syntheticBatches` groups them: at most `batchSize` events per append.
 */
const batchesOf = (source: number, skip: number, count: number, seed: number, batchSize: number) => {
  const batches: StreamWrite[][] = [];
  let seen = 0;
  let taken = 0;
  for (const writes of syntheticBatches({ events: source, seed }, batchSize)) {
    const n = writes.reduce((s, w) => s + w.events.length, 0);
    seen += n;
    if (seen <= skip) continue;
    batches.push(writes);
    taken += n;
    if (taken >= count) break;
  }
  return { batches, events: taken };
};

/** Appends through the store with synchronous=FULL; returns events per second and the batch sizes. */
const storeRound = async (path: string, batches: readonly StreamWrite[][]) => {
  const store = SqliteEventStore.open({ path, synchronous: 'full', clock: CACHE_CLOCK });
  const sizes: number[] = [];
  const start = process.hrtime.bigint();
  for (const writes of batches) {
    const result = await store.appendBatch(writes);
    sizes.push(result.positions.length);
  }
  const ms = msSince(start);
  await store.close();
  return { ms, sizes };
};

/** Inserts the very rows the store wrote, one IMMEDIATE transaction per batch, same pragmas and schema. */
const rawRound = (path: string, rows: readonly Row[], sizes: readonly number[]) => {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  migrate(db);
  const insert = db.prepare<Row>(`INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const tx = db.transaction((batch: readonly Row[]) => {
    for (const r of batch) insert.run(...r);
  });
  const start = process.hrtime.bigint();
  let at = 0;
  for (const n of sizes) {
    tx.immediate(rows.slice(at, at + n));
    at += n;
  }
  const ms = msSince(start);
  db.close();
  return { ms };
};

const readRows = (path: string): Row[] => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT ${COLUMNS} FROM events ORDER BY position`).raw().all() as Row[];
  } finally {
    db.close();
  }
};

/**
 * Append throughput at batch sizes 1, 100 and 1,000 through the SQLite EventStore versus raw better-sqlite3
 * inserts of the same rows: same table (the store's own migration), same transaction sizes, WAL and
 * synchronous=FULL on both. Two rounds, alternating which goes first; the best of each is kept.
 */
export const benchAppend = async (options: {
  readonly dir: string;
  readonly seed: number;
  readonly smoke: boolean;
  readonly progress: Progress;
}): Promise<AppendCase[]> => {
  const plan = options.smoke ? PLAN.smoke : PLAN.full;
  const rounds = options.smoke ? 1 : 2;
  mkdirSync(options.dir, { recursive: true });
  const out: AppendCase[] = [];
  for (const [size, count] of Object.entries(plan.counts)) {
    const batchSize = Number(size);
    options.progress.update(`append, batch ${batchSize}: generating ${count.toLocaleString('en')} events`, 0);
    const { batches, events } = batchesOf(plan.source, plan.skip, count, options.seed, batchSize);
    let bestStore = Number.POSITIVE_INFINITY;
    let bestRaw = Number.POSITIVE_INFINITY;
    let rows: Row[] | undefined;
    let sizes: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['store', 'raw'] : ['raw', 'store'];
      for (const who of order) {
        options.progress.update(`append, batch ${batchSize}: ${who}, round ${round + 1} of ${rounds}`, 0);
        if (who === 'store' || rows === undefined) {
          const path = freshPath(options.dir, `append-store-${batchSize}.db`);
          const r = await storeRound(path, batches);
          bestStore = Math.min(bestStore, r.ms);
          rows ??= readRows(path);
          sizes = r.sizes;
          removeDatabase(path);
          if (who === 'store') continue;
        }
        const path = freshPath(options.dir, `append-raw-${batchSize}.db`);
        bestRaw = Math.min(bestRaw, rawRound(path, rows, sizes).ms);
        removeDatabase(path);
      }
    }
    const c: AppendCase = {
      batchSize,
      events,
      transactions: sizes.length,
      store: (events / bestStore) * 1000,
      raw: (events / bestRaw) * 1000,
      rounds,
    };
    out.push(c);
    options.progress.done(
      `append, batch ${batchSize}: store ${Math.round(c.store).toLocaleString('en')} ev/s, raw ${Math.round(c.raw).toLocaleString('en')} ev/s`,
    );
  }
  return out;
};
