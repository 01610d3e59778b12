import {
  type AppendResult,
  AppendSignal,
  type CheckpointStore,
  type Clock,
  DEFAULT_PAGE,
  decideBatch,
  decideImport,
  type EventInput,
  type EventStore,
  type ExpectedVersion,
  followLog,
  type IterateOptions,
  lookupsFor,
  MAX_PAGE,
  pageThrough,
  type RawStoredEvent,
  type ReadAllOptions,
  type ReadAllPage,
  type ReadStreamOptions,
  StoreClosedError,
  type StoredEvent,
  type StreamWrite,
  type SubscribeOptions,
  type Subscription,
  upcast,
  validateBatch,
} from '@chitieu/core';
import { Pool } from 'pg';
import { type LogState, type Lookups, underAppendLock } from './append-lock.ts';
import {
  CHECKPOINT_PART_BYTES,
  type Checkpoint,
  type CheckpointTables,
  checkpointPosition,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoints.ts';
import { EVENT_COLUMNS, type EventRow, rawFromRow } from './event-rows.ts';
import { migrate } from './migrations.ts';
import { pgPoolClient } from './pg-pool-client.ts';
import { type SchemaNames, schemaNames } from './schema-name.ts';
import type { SqlClient, SqlQueryable } from './sql-client.ts';

/** Where the store's connections come from: a URL (the store owns the pool), a pool, or an adapter. */
export type PostgresConnection =
  | {
      readonly connectionString: string;
      /** Connections in the pool (default 10). */
      readonly poolSize?: number;
      /** Abort any statement, including a wait for the append lock, after this long (default 30 s). */
      readonly statementTimeoutMs?: number;
    }
  | { readonly pool: Pool }
  | { readonly client: SqlClient };

export type PostgresEventStoreOptions = PostgresConnection & {
  /** The PostgreSQL schema holding the tables (default `chitieu`); created on open. */
  readonly schema?: string;
  readonly clock?: Clock;
  /** Makes ids for events submitted without one (e.g. `monotonicFactory()` from the `ulid` package). */
  readonly newId: () => string;
  /** Checkpoints larger than this are stored in parts of this size (default 64 MiB; BYTEA caps a value at 1 GB). */
  readonly checkpointPartBytes?: number;
};

const systemClock: Clock = { now: () => new Date() };

/**
 * An EventStore on PostgreSQL, so that several API nodes can share one log. Appends are serialised by an
 * advisory lock so that positions are gap-free and never skipped by readers (see append-lock.ts); reads
 * take no lock.
 */
export class PostgresEventStore implements EventStore, CheckpointStore {
  readonly #client: SqlClient;
  readonly #ownsClient: boolean;
  readonly #names: SchemaNames;
  readonly #events: string;
  readonly #checkpoints: CheckpointTables;
  readonly #checkpointPartBytes: number;
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #signal = new AppendSignal();
  readonly #subscriptions = new Set<Subscription>();
  #listening: Promise<(() => Promise<void>) | undefined> | undefined;
  #closed = false;

  private constructor(
    client: SqlClient,
    ownsClient: boolean,
    names: SchemaNames,
    options: PostgresEventStoreOptions,
  ) {
    this.#client = client;
    this.#ownsClient = ownsClient;
    this.#names = names;
    this.#events = `${names.quoted}.events`;
    this.#checkpoints = {
      checkpoints: `${names.quoted}.checkpoints`,
      parts: `${names.quoted}.checkpoint_parts`,
    };
    this.#checkpointPartBytes = options.checkpointPartBytes ?? CHECKPOINT_PART_BYTES;
    this.#clock = options.clock ?? systemClock;
    this.#newId = options.newId;
  }

  /** Connects, migrates the schema to the latest version and returns the store. */
  static async open(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const partBytes = options.checkpointPartBytes;
    if (partBytes !== undefined && !(Number.isSafeInteger(partBytes) && partBytes > 0)) {
      throw new RangeError(`checkpoint part size must be a positive integer, got ${partBytes}`);
    }
    const names = schemaNames(options.schema);
    const [client, owns] = clientFor(options);
    try {
      await migrate(client, names);
    } catch (error) {
      if (owns) await client.close().catch(() => undefined);
      throw error;
    }
    return new PostgresEventStore(client, owns, names, options);
  }

  append(stream: string, events: readonly EventInput[], options: { expectedVersion?: ExpectedVersion } = {}) {
    return this.appendBatch([{ stream, events, expectedVersion: options.expectedVersion }]);
  }

  async appendBatch(writes: readonly StreamWrite[]): Promise<AppendResult> {
    this.#open();
    const prepared = validateBatch(writes);
    const lookups = lookupsFor(prepared);
    return this.#appendLocked(lookups, (state) => {
      const decision = decideBatch(prepared, {
        ...state,
        newId: this.#newId,
        recordedAt: this.#clock.now().toISOString(),
      });
      return { value: decision.result, rows: decision.kind === 'append' ? decision.rows : [] };
    });
  }

  async importRows(
    rows: readonly RawStoredEvent[],
    options: { remap?: boolean } = {},
  ): Promise<{ head: number }> {
    this.#open();
    const lookups = { ids: rows.map((r) => r.id), streams: [...new Set(rows.map((r) => r.stream))] };
    return this.#appendLocked(lookups, (state) => {
      const accepted = decideImport(rows, {
        head: state.head,
        versions: state.versions,
        existingIds: new Set(state.existing.keys()),
        remap: options.remap ?? false,
      });
      return { value: { head: state.head + accepted.length }, rows: accepted };
    });
  }

  /** Runs `work` under the append lock and wakes local followers when it moved the head. */
  async #appendLocked<T>(
    lookups: Lookups,
    work: (state: LogState) => { value: T; rows: readonly RawStoredEvent[] },
  ): Promise<T> {
    const { value, moved } = await underAppendLock(this.#client, this.#names, lookups, work);
    if (moved) this.#signal.notify();
    return value;
  }

  async #readHead(q: SqlQueryable): Promise<number> {
    const [row] = await q.query<{ head: string | number }>(
      `SELECT coalesce(max(position), 0) AS head FROM ${this.#events}`,
    );
    return Number(row?.head ?? 0);
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    this.#open();
    const from = Math.max(1, Math.floor(options.fromVersion ?? 1));
    const limit = options.limit === undefined ? null : Math.max(0, Math.floor(options.limit));
    const rows = await this.#client.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${this.#events}
        WHERE stream = $1 AND version >= $2 ORDER BY version LIMIT $3`,
      [stream, from, limit],
    );
    return rows.map((r) => upcast(rawFromRow(r)));
  }

  async streamVersion(stream: string): Promise<number> {
    this.#open();
    const [row] = await this.#client.query<{ version: number }>(
      `SELECT coalesce(max(version), 0) AS version FROM ${this.#events} WHERE stream = $1`,
      [stream],
    );
    return Number(row?.version ?? 0);
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllPage> {
    this.#open();
    const after = Math.max(0, Math.floor(options.after ?? 0));
    const limit = Math.min(Math.max(1, Math.floor(options.limit ?? DEFAULT_PAGE)), MAX_PAGE);
    // One statement, so one snapshot: the head reported is never behind the events returned.
    const rows = await this.#client.query<
      (EventRow & { log_head: string | number }) | { id: null; log_head: string }
    >(
      `WITH h AS (SELECT coalesce(max(position), 0) AS log_head FROM ${this.#events})
       SELECT h.log_head, e.* FROM h LEFT JOIN LATERAL (
         SELECT ${EVENT_COLUMNS} FROM ${this.#events} WHERE position > $1 ORDER BY position LIMIT $2
       ) e ON true
       ORDER BY e.position`,
      [after, limit],
    );
    const head = Number(rows[0]?.log_head ?? 0);
    const events = rows.flatMap((r) => (r.id === null ? [] : [upcast(rawFromRow(r))]));
    return { events, next: events.at(-1)?.position ?? after, head };
  }

  iterate(options: IterateOptions = {}): AsyncIterable<StoredEvent> {
    return pageThrough((o) => this.readAll(o), options);
  }

  async getEvents(ids: readonly string[]): Promise<Map<string, StoredEvent>> {
    this.#open();
    const found = new Map<string, StoredEvent>();
    if (ids.length === 0) return found;
    const rows = await this.#client.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${this.#events} WHERE id = ANY($1::text[])`,
      [[...ids]],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of ids) {
      const row = byId.get(id);
      if (row) found.set(id, upcast(rawFromRow(row)));
    }
    return found;
  }

  async head(): Promise<number> {
    this.#open();
    return this.#readHead(this.#client);
  }

  /**
   * Follows the log. Appends through this store wake followers at once; appends through other nodes
   * arrive by LISTEN/NOTIFY, and polling catches anything a lost notification connection missed.
   */
  subscribe(options: SubscribeOptions): Subscription {
    this.#open();
    this.#listen(options.onError);
    const inner = followLog((after, limit) => this.readAll({ after, limit }), this.#signal, options);
    const subscriptions = this.#subscriptions;
    const outer: Subscription = {
      get position() {
        return inner.position;
      },
      caughtUp: (position) => inner.caughtUp(position),
      async close() {
        subscriptions.delete(outer);
        await inner.close();
      },
    };
    subscriptions.add(outer);
    return outer;
  }

  /**
   * Starts listening for other nodes' appends if no subscription has yet, and says whether notifications
   * are active (false: followers rely on polling alone).
   */
  async listening(): Promise<boolean> {
    this.#open();
    this.#listen(undefined);
    return (await this.#listening) !== undefined;
  }

  #listen(onError: ((error: unknown) => void) | undefined) {
    if (this.#listening) return;
    this.#listening = this.#client
      .listen(this.#names.channel, () => this.#signal.notify())
      .then(
        (stop) => {
          // An append that committed after a follower's first read but before LISTEN took effect sent
          // its NOTIFY to nobody: wake followers once so they do not wait a poll interval for it.
          this.#signal.notify();
          return stop;
        },
        (error: unknown) => {
          // Without notifications followers still poll; try again with the next subscription.
          this.#listening = undefined;
          onError?.(error);
          return undefined;
        },
      );
  }

  /** Records how far a projection has read, with an optional snapshot of its state, replacing any earlier one. */
  async saveCheckpoint(name: string, position: number, state: Uint8Array): Promise<void> {
    this.#open();
    await saveCheckpoint(
      this.#client,
      this.#checkpoints,
      { name, position, savedAt: this.#clock.now().toISOString(), state },
      this.#checkpointPartBytes,
    );
  }

  /** The position of the checkpoint saved under `name`, without reading its bytes; undefined when none. */
  async checkpointPosition(name: string): Promise<number | undefined> {
    this.#open();
    return checkpointPosition(this.#client, this.#checkpoints, name);
  }

  /** The checkpoint saved under `name`, or undefined when there is none. */
  async loadCheckpoint(name: string): Promise<Checkpoint | undefined> {
    this.#open();
    return loadCheckpoint(this.#client, this.#checkpoints, name);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Followers of a closed store would otherwise poll it forever, reporting StoreClosedError each time.
    await Promise.all([...this.#subscriptions].map((s) => s.close()));
    const stop = await this.#listening;
    await stop?.().catch(() => undefined);
    if (this.#ownsClient) await this.#client.close();
  }

  #open() {
    if (this.#closed) throw new StoreClosedError();
  }
}

const clientFor = (options: PostgresConnection): [SqlClient, boolean] => {
  if ('client' in options) return [options.client, false];
  if ('pool' in options) return [pgPoolClient(options.pool), true];
  const timeout = options.statementTimeoutMs ?? 30_000;
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    statement_timeout: timeout,
    // A node that stalls between the statements of an append would hold the append lock, and with it
    // every other node's writes; the server ends such a session after the same bound.
    idle_in_transaction_session_timeout: timeout,
  });
  // An idle connection that drops emits 'error' on the pool; unhandled, that would end the process. The
  // pool discards the connection, and the next query opens a fresh one or fails where it can be handled.
  pool.on('error', () => undefined);
  return [pgPoolClient(pool, { ownsPool: true }), true];
};
