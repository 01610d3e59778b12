import {
  type AppendResult,
  AppendSignal,
  type BatchDecision,
  CheckpointCorruptError,
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
  type PreparedWrite,
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
import Database from 'better-sqlite3';
import { type Checkpoint, CheckpointFiles, type CheckpointInFile, CheckpointTable } from './checkpoints.ts';
import { EventTable } from './event-table.ts';
import { migrate } from './schema.ts';
import { monotonicUlid } from './ulid.ts';

export interface SqliteEventStoreOptions {
  /** The database file, created if missing; `':memory:'` for a private log that vanishes on close. */
  readonly path: string;
  /** Stamps `recordedAt` and checkpoints' `savedAt` (default: the system clock). */
  readonly clock?: Clock;
  /** Makes ids for events submitted without one (default: monotonic ULIDs). */
  readonly newId?: () => string;
  /**
   * `full` (default): an acknowledged append survives power loss, at one fsync per batch. `normal`
   * survives a crash of the process but may lose the last batches on power loss; `off` is for scratch files.
   */
  readonly synchronous?: 'off' | 'normal' | 'full' | 'extra';
  /** How long a writer waits for another process's transaction before failing (default 5,000 ms). */
  readonly busyTimeoutMs?: number;
  /** Checkpoints larger than this are stored in parts of this size (default 256 MiB; SQLite caps a value at 1 GB). */
  readonly checkpointPartBytes?: number;
  /**
   * Checkpoints of at least this many bytes are kept in a file beside a file-backed database, in
   * `<path>-checkpoints/` (default 64 MiB; `Infinity` keeps them all in the database). SQLite returns a
   * large blob at about 110 MB/s; a file reads at the disk's speed.
   */
  readonly checkpointFileBytes?: number;
}

/** Checkpoints from this size on go to a file beside a file-backed database. */
export const CHECKPOINT_FILE_BYTES = 64 * 2 ** 20;

const systemClock: Clock = { now: () => new Date() };
const SYNCHRONOUS = new Set(['off', 'normal', 'full', 'extra']);

/**
 * The event log in one SQLite file (better-sqlite3). Each append is one IMMEDIATE transaction, so writers in
 * several processes serialise on the file's lock and positions stay gap-free; readers never block writers (WAL).
 */
export class SqliteEventStore implements EventStore, CheckpointStore {
  readonly #db: Database.Database;
  readonly #events: EventTable;
  readonly #checkpoints: CheckpointTable;
  readonly #files: CheckpointFiles | undefined;
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #signal = new AppendSignal();
  readonly #followers = new Set<Subscription>();
  readonly #appendTx: (writes: readonly PreparedWrite[]) => BatchDecision;
  readonly #importTx: (rows: readonly RawStoredEvent[], remap: boolean) => number;
  readonly #readPage: (after: number, limit: number) => ReadAllPage;
  readonly #saveTx: (
    name: string,
    position: number,
    savedAt: string,
    state: Uint8Array,
    file: string | undefined,
  ) => string | undefined;
  readonly #loadTx: (name: string) => Checkpoint | CheckpointInFile | undefined;
  #closed = false;

  /** Opens (creating and migrating if needed) the database at `options.path`. */
  static open(options: SqliteEventStoreOptions): SqliteEventStore {
    const synchronous = options.synchronous ?? 'full';
    // The value is spliced into a PRAGMA, so a caller without the types must not get anything else through.
    if (!SYNCHRONOUS.has(synchronous)) throw new RangeError(`unknown synchronous mode '${synchronous}'`);
    const db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 5_000 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous}`);
      db.pragma('foreign_keys = ON');
      migrate(db);
      const clock = options.clock ?? systemClock;
      const checkpoints = new CheckpointTable(db, options.checkpointPartBytes);
      const inFiles = !db.memory && options.path !== '';
      const files = inFiles
        ? new CheckpointFiles(
            `${options.path}-checkpoints`,
            options.checkpointFileBytes ?? CHECKPOINT_FILE_BYTES,
            synchronous !== 'off',
          )
        : undefined;
      return new SqliteEventStore(
        db,
        clock,
        options.newId ?? monotonicUlid(() => clock.now().getTime()),
        checkpoints,
        files,
      );
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private constructor(
    db: Database.Database,
    clock: Clock,
    newId: () => string,
    checkpoints: CheckpointTable,
    files: CheckpointFiles | undefined,
  ) {
    this.#db = db;
    this.#events = new EventTable(db);
    this.#checkpoints = checkpoints;
    this.#files = files;
    this.#clock = clock;
    this.#newId = newId;
    const events = this.#events;
    // Head and versions are read inside the write lock: another process may have appended since our last look.
    const append = db.transaction((writes: readonly PreparedWrite[]) => {
      const lookups = lookupsFor(writes);
      const decision = decideBatch(writes, {
        existing: events.existing(lookups.ids),
        versions: events.versions(lookups.streams),
        head: events.head(),
        newId: this.#newId,
        recordedAt: this.#clock.now().toISOString(),
      });
      if (decision.kind === 'append') events.insert(decision.rows);
      return decision;
    });
    this.#appendTx = (writes) => append.immediate(writes);
    const importRows = db.transaction((rows: readonly RawStoredEvent[], remap: boolean) => {
      const accepted = decideImport(rows, {
        head: events.head(),
        versions: events.versions([...new Set(rows.map((r) => r.stream))]),
        existingIds: events.presentIds(rows.map((r) => r.id)),
        remap,
      });
      events.insert(accepted);
      return events.head();
    });
    this.#importTx = (rows, remap) => importRows.immediate(rows, remap);
    // One read transaction, so the page and the head come from the same snapshot.
    const readPage = db.transaction((after: number, limit: number): ReadAllPage => {
      const page = events.page(after, limit).map(upcast);
      return { events: page, next: page.at(-1)?.position ?? after, head: events.head() };
    });
    this.#readPage = (after, limit) => readPage.deferred(after, limit);
    const save = db.transaction(
      (name: string, position: number, savedAt: string, state: Uint8Array, file: string | undefined) => {
        // A state "as of" a position this log has not reached was folded from some other log.
        const head = events.head();
        if (position > head) {
          throw new RangeError(`checkpoint '${name}' at position ${position} is beyond the head (${head})`);
        }
        return this.#checkpoints.save(name, position, savedAt, state, file);
      },
    );
    this.#saveTx = (name, position, savedAt, state, file) =>
      save.immediate(name, position, savedAt, state, file);
    // One read transaction: a checkpoint's row and its parts come from the same save.
    const load = db.transaction((name: string) => this.#checkpoints.load(name));
    this.#loadTx = (name) => load.deferred(name);
  }

  append(
    stream: string,
    events: readonly EventInput[],
    options: { expectedVersion?: ExpectedVersion } = {},
  ): Promise<AppendResult> {
    return this.appendBatch([{ stream, events, expectedVersion: options.expectedVersion }]);
  }

  async appendBatch(writes: readonly StreamWrite[]): Promise<AppendResult> {
    this.#open();
    // Schema checks need no state, so they run before the write lock is taken.
    const decision = this.#appendTx(validateBatch(writes));
    if (decision.kind === 'append' && decision.rows.length > 0) this.#signal.notify();
    return decision.result;
  }

  async importRows(
    rows: readonly RawStoredEvent[],
    options: { remap?: boolean } = {},
  ): Promise<{ head: number }> {
    this.#open();
    const head = this.#importTx(rows, options.remap ?? false);
    if (rows.length > 0) this.#signal.notify();
    return { head };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    this.#open();
    const from = Math.max(1, options.fromVersion ?? 1);
    const limit = options.limit === undefined ? -1 : Math.max(0, options.limit);
    return this.#events.stream(stream, from, limit).map(upcast);
  }

  async streamVersion(stream: string): Promise<number> {
    this.#open();
    return this.#events.versions([stream]).get(stream) ?? 0;
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllPage> {
    this.#open();
    const after = Math.max(0, options.after ?? 0);
    const limit = Math.min(Math.max(1, options.limit ?? DEFAULT_PAGE), MAX_PAGE);
    return this.#readPage(after, limit);
  }

  iterate(options: IterateOptions = {}): AsyncIterable<StoredEvent> {
    return pageThrough((o) => this.readAll(o), options);
  }

  async getEvents(ids: readonly string[]): Promise<Map<string, StoredEvent>> {
    this.#open();
    const rows = this.#events.byIds(ids);
    const found = new Map<string, StoredEvent>();
    for (const id of ids) {
      const row = rows.get(id);
      if (row) found.set(id, upcast(row));
    }
    return found;
  }

  async head(): Promise<number> {
    return this.headSync();
  }

  /** The position of the last event, read synchronously (0 for an empty log). */
  headSync(): number {
    this.#open();
    return this.#events.head();
  }

  subscribe(options: SubscribeOptions): Subscription {
    this.#open();
    const follower = followLog((after, limit) => this.readAll({ after, limit }), this.#signal, options);
    this.#followers.add(follower);
    return {
      get position() {
        return follower.position;
      },
      caughtUp: (position) => follower.caughtUp(position),
      close: () => {
        this.#followers.delete(follower);
        return follower.close();
      },
    };
  }

  /**
   * Saves a projection's state as of `position`, replacing any earlier checkpoint of that name, so the
   * projection can resume from there after a restart instead of refolding the whole log.
   */
  async saveCheckpoint(name: string, position: number, state: Uint8Array): Promise<void> {
    this.#open();
    if (!Number.isInteger(position) || position < 0) {
      throw new RangeError(`checkpoint position must be a non-negative integer, got ${position}`);
    }
    const files = this.#files;
    // A large state is written to its file before the transaction, so the write lock is not held meanwhile.
    const file = files && state.byteLength >= files.minBytes ? await files.write(position, state) : undefined;
    let replaced: string | undefined;
    try {
      replaced = this.#saveTx(name, position, this.#clock.now().toISOString(), state, file);
    } catch (error) {
      if (file !== undefined) files!.remove(file);
      throw error;
    }
    if (replaced !== undefined && replaced !== file) files?.remove(replaced);
    // What a crash between a write and its commit left behind, here or in another process.
    files?.sweep(this.#checkpoints.files());
  }

  /** The position of the checkpoint saved under `name`, without reading its bytes; undefined when none. */
  async checkpointPosition(name: string): Promise<number | undefined> {
    this.#open();
    return this.#checkpoints.position(name);
  }

  /** The last checkpoint saved under `name`, if any. */
  async loadCheckpoint(name: string): Promise<Checkpoint | undefined> {
    this.#open();
    for (let attempt = 1; ; attempt++) {
      const found = this.#loadTx(name);
      if (found === undefined || !('file' in found)) return found;
      const state = await this.#files?.read(name, found.file, found.fileBytes);
      if (state !== undefined) return { position: found.position, savedAt: found.savedAt, state };
      // A save in another process may have replaced the file between our reads of the row and of the file:
      // the row, read again, names the new one. Twice missing is a file that is gone.
      if (attempt === 2) throw new CheckpointCorruptError(name, `its file ${found.file} is missing`);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Followers stop at their next turn; not awaited, because close() may be called from inside a
    // follower's own onEvents, which its close() would wait for.
    for (const f of this.#followers) void f.close();
    this.#followers.clear();
    this.#db.close();
  }

  #open() {
    if (this.#closed) throw new StoreClosedError();
  }
}
