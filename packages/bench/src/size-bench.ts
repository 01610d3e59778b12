import { statSync } from 'node:fs';
import { type Engine, type IndicatorQuery, Ledger } from '@chitieu/core';
import { mulberry32 } from '@chitieu/fixtures';
import { SqliteEventStore } from '@chitieu/sqlite';
import Database from 'better-sqlite3';
import { benchCheckpoint, type CheckpointResult, type HeldLedger } from './checkpoint-bench.ts';
import { megabytes } from './format.ts';
import { benchHttp, type HttpResult } from './http-bench.ts';
import { CACHE_CLOCK, type CachedLog } from './log-cache.ts';
import { type MemorySnapshot, REST_MS, settledMemory } from './memory.ts';
import { removeDatabase } from './paths.ts';
import type { Progress } from './progress.ts';
import { benchQueries, type QueryResult } from './query-bench.ts';
import { queryKinds } from './query-kinds.ts';
import { type ReadTimes, warmFile } from './read-bench.ts';
import { SqlReference } from './sql-reference.ts';
import { msSince } from './stats.ts';

/** A step that threw: the rest of the size still runs, and the report shows it as a failure. */
export interface StepError {
  readonly step: string;
  readonly message: string;
}

/** Everything measured on one log size (a step that failed leaves its field null and an entry in `errors`). */
export interface SizeResult extends ReadTimes {
  readonly events: number;
  readonly fileBytes: number;
  readonly generatedMs: number;
  /** Ledger.open over the whole log without a checkpoint: Projector.catchUp from position 0. */
  readonly rebuildMs: number;
  readonly anomalies: number;
  /**
   * People cells the log's corrections and voids left stale, or with loose days, after the fold (as queued,
   * some several times or since emptied), and the time to refresh them all (what the API's idle refresh
   * does): queries are then timed from warm projections.
   */
  readonly staleRefresh: { readonly cells: number; readonly ms: number };
  /**
   * Then, as the API's next idle refresh does, the people cells' arena compacted when much of it is free:
   * its bytes before and after (free blocks included) and the time the pass took.
   */
  readonly compaction: { readonly ms: number; readonly bytesBefore: number; readonly bytesAfter: number };
  /**
   * Then, as the idle refresh goes on to do (`Engine.refreshIdle`), the tree put back into columns when most
   * of its units have records built: the records built before, after, and the time it took.
   */
  readonly treeCompaction: { readonly ms: number; readonly builtBefore: number; readonly builtAfter: number };
  readonly memory: { readonly baseline: MemorySnapshot; readonly loaded: MemorySnapshot };
  /** What each projection holds after the fold (cells, entries, bytes), from the engine itself. */
  readonly footprint: ReturnType<Engine['footprint']>;
  readonly queries: readonly QueryResult[] | null;
  readonly sqlPlans: Readonly<Record<string, string[]>> | null;
  readonly http: HttpResult | null;
  readonly checkpoint: CheckpointResult | null;
  readonly errors: readonly StepError[];
}

export interface SizeBenchOptions {
  readonly log: CachedLog;
  readonly seed: number;
  readonly smoke: boolean;
  readonly http: boolean;
  readonly httpSeconds: number;
  /** The reads, timed by the `read` phase in a process of its own (see {@link benchReads}). */
  readonly reads: ReadTimes;
  readonly progress: Progress;
}

const CHECKPOINT = 'bench';

/** Drops the checkpoint an earlier run left in the cached file, so the rebuild really folds the whole log. */
const forgetCheckpoint = (path: string) => {
  const db = new Database(path);
  try {
    db.prepare('DELETE FROM checkpoints WHERE name = ?').run(CHECKPOINT);
    db.prepare('DELETE FROM checkpoint_parts WHERE name = ?').run(CHECKPOINT);
  } finally {
    db.close();
  }
  // The bench's checkpoint is the only one in its cached logs; a large one is a file beside the database.
  removeDatabase(path, ['-checkpoints']);
};

/** Answers to compare before and after a checkpoint round trip. */
const probeQueries = (provinces: readonly string[], seed: number): IndicatorQuery[] => {
  const rng = mulberry32(seed * 7 + 3);
  return queryKinds(provinces).flatMap((k) => Array.from({ length: 4 }, () => k.draw(rng).query));
};

/**
 * Runs the per-size measurements after the reads (timed in a process of their own, `benchReads`), in this
 * process, in an order that keeps them independent: the fold, memory, queries, HTTP, then a checkpoint and
 * a start from it after the first engine has been released. The fold is the spine (a failure there fails
 * the size); the steps after it fail on their own.
 */
export const benchSize = async (options: SizeBenchOptions): Promise<SizeResult> => {
  const { log, progress } = options;
  const label = log.events.toLocaleString('en');
  const clock = CACHE_CLOCK;
  const errors: StepError[] = [];
  const attempt = async <T>(step: string, work: () => Promise<T>): Promise<T | null> => {
    try {
      return await work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      errors.push({ step, message });
      progress.done(`${label}: ${step} failed: ${message}`);
      return null;
    }
  };
  // The read phase warmed the page cache; the file is read again in case it was since evicted.
  warmFile(log.path);
  const store = SqliteEventStore.open({ path: log.path });
  try {
    forgetCheckpoint(log.path);
    const rest = { restMs: options.smoke ? 0 : REST_MS };
    const baseline = await settledMemory(rest);
    progress.update(`${label}: rebuilding the projections from the log`, 0);
    const started = process.hrtime.bigint();
    const held: HeldLedger = {
      ledger: await Ledger.open({
        store,
        clock,
        follow: false,
        checkpoints: store,
        checkpointName: CHECKPOINT,
      }),
    };
    const rebuildMs = msSince(started);
    // The folded engine is held only inside this function (and by `held`), so that the checkpoint phase,
    // which lets go of `held`, restores with the folded engine collectable rather than beside it.
    const onFolded = async () => {
      const engine = held.ledger!.engine;
      if (held.ledger!.checkpointOutcome.used) throw new Error('the rebuild started from a checkpoint');
      if (engine.position !== log.events) {
        throw new Error(`the fold stopped at ${engine.position} of ${log.events} events`);
      }
      progress.done(
        `${label}: rebuild ${Math.round(rebuildMs)} ms (${((rebuildMs * 1000) / log.events).toFixed(1)} µs/event)`,
      );
      const anomalies = engine.anomalies.length;
      const staleCells = engine.people.pendingRefresh;
      progress.update(`${label}: refreshing ${staleCells} stale people cells and loose days`, 0);
      const refreshStarted = process.hrtime.bigint();
      // Stopped as the queue empties, so that the compaction that follows is timed on its own.
      engine.people.refreshStale(() => engine.people.pendingRefresh === 0);
      const staleRefresh = { cells: staleCells, ms: msSince(refreshStarted) };
      progress.done(
        `${label}: ${staleCells} stale people cells and loose days refreshed in ${Math.round(staleRefresh.ms)} ms`,
      );
      const bytesBefore = engine.people.footprint().arena.bytes;
      const compactStarted = process.hrtime.bigint();
      engine.people.refreshStale();
      const compaction = {
        ms: msSince(compactStarted),
        bytesBefore,
        bytesAfter: engine.people.footprint().arena.bytes,
      };
      progress.done(
        `${label}: people cells’ arena ${megabytes(bytesBefore)} → ${megabytes(compaction.bytesAfter)} in ${Math.round(compaction.ms)} ms`,
      );
      const builtBefore = engine.hierarchy.built;
      const treeStarted = process.hrtime.bigint();
      engine.refreshIdle();
      const treeCompaction = { ms: msSince(treeStarted), builtBefore, builtAfter: engine.hierarchy.built };
      progress.done(
        `${label}: tree's records ${builtBefore} → ${treeCompaction.builtAfter} in ${Math.round(treeCompaction.ms)} ms`,
      );
      // At rest, as a server that has loaded and answers nothing (see REST_MS); the smoke run does not wait.
      const loaded = await settledMemory(rest);
      const footprint = engine.footprint();

      const db = new Database(log.path, { readonly: true });
      const sql = new SqlReference(db);
      const sqlPlans = sql.plans();
      const queries = await attempt('queries', () =>
        benchQueries(engine, clock, sql, log.provinces, {
          seed: options.seed,
          iterations: options.smoke ? 100 : 2_000,
          sqlMin: options.smoke ? 1 : 3,
          sqlMax: options.smoke ? 2 : 30,
          sqlBudgetMs: options.smoke ? 0 : 8_000,
          progress,
        }),
      );
      db.close();

      const http = options.http
        ? await attempt('http', () =>
            benchHttp(held.ledger!, clock, log.provinces, {
              seconds: options.httpSeconds,
              seed: options.seed,
              warmUp: !options.smoke,
              rounds: options.smoke ? 1 : 2,
              progress,
            }),
          )
        : null;
      return {
        anomalies,
        staleRefresh,
        compaction,
        treeCompaction,
        memory: { baseline, loaded },
        footprint,
        queries,
        sqlPlans,
        http,
      };
    };
    const folded = await onFolded();

    const checkpoint = await attempt('checkpoint', () =>
      benchCheckpoint(held, store, clock, CHECKPOINT, probeQueries(log.provinces, options.seed), progress),
    );
    if (checkpoint?.error) errors.push({ step: 'checkpoint save', message: checkpoint.error });

    return {
      events: log.events,
      fileBytes: statSync(log.path).size,
      generatedMs: log.generatedMs,
      ...options.reads,
      rebuildMs,
      ...folded,
      checkpoint,
      errors,
    };
  } finally {
    await store.close();
  }
};
