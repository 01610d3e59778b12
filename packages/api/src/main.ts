import { mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, resolve } from 'node:path';
import { type CheckpointStore, type Clock, type EventStore, Ledger } from '@chitieu/core';
import { fixtureWrites } from '@chitieu/fixtures';
import { PostgresEventStore, postgresOptionsFromEnv } from '@chitieu/postgres';
import { SqliteEventStore } from '@chitieu/sqlite';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { monotonicFactory } from 'ulid';
import { createApp } from './app.ts';
import { TokenTable } from './auth/tokens.ts';
import { readConfig, type ServerConfig } from './config.ts';
import { loadFixturesIfEmpty } from './load-fixtures.ts';
import { describeError, jsonLogger, type Logger } from './logging.ts';

/**
 * The server executable, and the only file that opens a database or a socket. Everything it composes is
 * exported so that tests (and the CLIs) open stores and load fixtures exactly as the server does.
 */

type Env = Readonly<Record<string, string | undefined>>;

export const VERSION = '0.1.0';
const systemClock: Clock = { now: () => new Date() };

/** The directory relative paths are read from: where `pnpm start` was typed (INIT_CWD), else the cwd. */
export const baseDirectory = (env: Env): string => env.INIT_CWD ?? process.cwd();

/** A store that also keeps checkpoints of the projections (both SQL stores do). */
export type ServerStore = EventStore & CheckpointStore;

export interface OpenedStore {
  readonly store: ServerStore;
  readonly kind: 'sqlite' | 'postgres';
  /** Where the log lives, fit for a log line (no password). */
  readonly location: string;
}

/** Opens PostgreSQL when CHITIEU_DATABASE_URL is set, else the SQLite file (CHITIEU_DB, default ./data/chitieu.db). */
export const openStoreFromEnv = async (env: Env, options: { clock?: Clock } = {}): Promise<OpenedStore> => {
  const clock = options.clock ?? systemClock;
  const pg = postgresOptionsFromEnv(env);
  if (pg) {
    const store = await PostgresEventStore.open({ ...pg, clock, newId: monotonicFactory() });
    const url = new URL(pg.connectionString);
    if (url.password) url.password = '***';
    return { store, kind: 'postgres', location: `${url.toString()} schema ${pg.schema ?? 'chitieu'}` };
  }
  const config = readConfig({ CHITIEU_DB: env.CHITIEU_DB }, { cwd: baseDirectory(env) });
  if (config.sqlitePath !== ':memory:') mkdirSync(dirname(config.sqlitePath), { recursive: true });
  return {
    store: SqliteEventStore.open({ path: config.sqlitePath, clock }),
    kind: 'sqlite',
    location: config.sqlitePath,
  };
};

/**
 * Projections are checkpointed into the store (SQLite file or PostgreSQL table) so a restart folds only the
 * events after the checkpoint. One is saved after `CHITIEU_CHECKPOINT_EVERY` new events (default 100,000;
 * 0 disables) and at a clean shutdown; the ledger refuses one from another engine version or another log.
 */
const checkpointEvery = (env: Env): number => {
  const raw = env.CHITIEU_CHECKPOINT_EVERY?.trim();
  const n = raw === undefined || raw === '' ? 100_000 : Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error('CHITIEU_CHECKPOINT_EVERY must be a whole number of events (0 disables)');
  return n;
};

/** Saves a checkpoint when the projections moved past the last one; logs what it did. */
const saveCheckpoint = async (ledger: Ledger, logger: Logger, last: { position: number }) => {
  if (ledger.engine.position === last.position) return;
  const started = Date.now();
  const saved = await ledger.checkpoint();
  last.position = saved.position;
  logger.log({
    level: 'info',
    msg: 'checkpoint saved',
    position: saved.position,
    bytes: saved.bytes,
    ms: Date.now() - started,
  });
};

/** Reads the configuration, including the tokens file, or explains what is wrong. */
export const configFromEnv = (env: Env): ServerConfig => {
  const file = env.CHITIEU_TOKENS_FILE?.trim();
  const cwd = baseDirectory(env);
  const tokensFile = file ? readFileSync(resolve(cwd, file), 'utf8') : undefined;
  return readConfig(env, { cwd, ...(tokensFile === undefined ? {} : { tokensFile }) });
};

/**
 * People cells that a correction or void left stale are rebuilt here, 10 ms of work every 100 ms, so that
 * the first query to meet one does not pay for it. A cell is not divided: at national scale (the bench's
 * 10M log, 735 stale cells) one takes 8 ms on average, 23 ms at the 90th percentile and 142 ms at most,
 * and all of them about 6 s — about a minute after a start at this pace. Once none is left, refreshes pack
 * the people cells of past months, 64 cells between looks at the clock, then compact the arena when much of
 * it is free (after a fold and the packing, more than half of it); that one pass is not divided (0.6 s at
 * 10M and 0.07 s at 1M measured before packing; packing and compaction together 2.0–2.4 s at 10M, 0.3 s
 * at 1M).
 * Then, on a large tree whose units all have records (after a fold from the log), the tree goes back into
 * columns (`Engine.refreshIdle`; 42 ms at 1M).
 */
const STALE_REFRESH_EVERY_MS = 100;
const STALE_REFRESH_BUDGET_MS = 10;
export const refreshStaleCells = (ledger: Ledger, budgetMs = STALE_REFRESH_BUDGET_MS): number => {
  const until = performance.now() + budgetMs;
  return ledger.engine.refreshIdle(() => performance.now() >= until);
};

/** Starts the server; resolves once it listens, with a function that shuts it down gracefully. */
export const start = async (env: Env, logger: Logger) => {
  const config = configFromEnv(env);
  const { store, kind, location } = await openStoreFromEnv(env);
  logger.log({ level: 'info', msg: 'store opened', store: kind, location });
  const every = checkpointEvery(env);
  const opening = Date.now();
  const ledger = await Ledger.open({
    store,
    checkpoints: store,
    clock: systemClock,
    follow: true,
    pollIntervalMs: config.pollIntervalMs,
    onError: (error) =>
      logger.log({ level: 'warn', msg: 'following the log failed; retrying', error: describeError(error) }),
  });
  logger.log({
    level: 'info',
    msg: 'projections ready',
    position: ledger.engine.position,
    ms: Date.now() - opening,
    checkpoint: ledger.checkpointOutcome,
  });
  const lastCheckpoint = { position: ledger.checkpointOutcome.used ? ledger.checkpointOutcome.position : -1 };
  if (config.loadFixtures) {
    const loaded = await loadFixturesIfEmpty(ledger, fixtureWrites());
    if (loaded > 0) logger.log({ level: 'info', msg: 'fixtures loaded into the empty log', events: loaded });
  }
  const checkpointTimer =
    every === 0
      ? undefined
      : setInterval(() => {
          if (ledger.engine.position - Math.max(0, lastCheckpoint.position) < every) return;
          saveCheckpoint(ledger, logger, lastCheckpoint).catch((error: unknown) =>
            logger.log({ level: 'warn', msg: 'checkpoint failed', error: describeError(error) }),
          );
        }, 10_000);
  checkpointTimer?.unref();
  const refreshTimer = setInterval(() => refreshStaleCells(ledger), STALE_REFRESH_EVERY_MS);
  refreshTimer.unref();
  const openReads = config.openReads ?? config.tokens.length === 0;
  if (config.tokens.length === 0)
    logger.log({
      level: 'warn',
      msg: `no tokens configured: ${openReads ? 'reads are open to anyone' : 'nothing can be read'} and writes are refused; set CHITIEU_TOKENS_FILE`,
    });
  else if (openReads)
    logger.log({ level: 'warn', msg: 'reads are open to anyone without a token (CHITIEU_OPEN_READS)' });
  let draining = false;
  const app = createApp({
    ledger,
    clock: systemClock,
    auth: { tokens: new TokenTable(config.tokens), openReads },
    limits: { bodyBytes: config.bodyBytes, ...(config.rate ? { rate: config.rate } : {}) },
    suppression: { threshold: config.suppressionThreshold },
    maxLag: config.maxLag,
    logger,
    clientAddress: (c) => getConnInfo(c).remote.address,
    draining: () => draining,
    version: VERSION,
  });
  const { server, port } = await new Promise<{ server: Server; port: number }>((done, fail) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) =>
      done({ server: s as Server, port: info.port }),
    ) as Server;
    s.once('error', fail);
  });
  logger.log({
    level: 'info',
    msg: 'listening',
    url: `http://${config.host}:${port}`,
    port,
    openReads,
    tokens: config.tokens.length,
    position: ledger.engine.position,
  });

  let stopping: Promise<void> | undefined;
  /** Stops accepting, lets in-flight requests finish (up to the timeout), then closes the ledger and store. */
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      draining = true;
      logger.log({ level: 'info', msg: 'shutting down', reason });
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeIdleConnections();
      const force = setTimeout(() => {
        logger.log({ level: 'warn', msg: 'in-flight requests outlived the shutdown timeout; closing them' });
        server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      await closed;
      clearTimeout(force);
      if (checkpointTimer) clearInterval(checkpointTimer);
      clearInterval(refreshTimer);
      if (every !== 0) {
        await saveCheckpoint(ledger, logger, lastCheckpoint).catch((error: unknown) =>
          logger.log({ level: 'warn', msg: 'checkpoint at shutdown failed', error: describeError(error) }),
        );
      }
      await ledger.close();
      await store.close();
      logger.log({ level: 'info', msg: 'stopped', position: ledger.engine.position });
    })();
    return stopping;
  };
  return { port, ledger, store, stop };
};

/** The process: start, stop on SIGTERM or SIGINT, exit 0 after a clean stop and 1 on a failure. */
export const main = async (env: Env = process.env): Promise<void> => {
  const logger = jsonLogger((line) => process.stdout.write(line));
  let server: Awaited<ReturnType<typeof start>>;
  try {
    server = await start(env, logger);
  } catch (error) {
    logger.log({ level: 'error', msg: 'could not start', error: describeError(error) });
    process.exit(1);
  }
  // `on`, not `once`: under `pnpm start` the signal often comes twice — from the terminal or container to
  // the whole process group, and again relayed by tsx — and a second one with no listener would kill the
  // process before the checkpoint is saved. A repeated signal joins the stop already under way, which the
  // shutdown timeout bounds.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      server.stop(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.log({ level: 'error', msg: 'unclean shutdown', error: describeError(error) });
          process.exit(1);
        },
      );
    });
  }
};
