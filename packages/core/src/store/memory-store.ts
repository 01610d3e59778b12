import { StoreClosedError } from '../errors.ts';
import {
  contentOf,
  type EventInput,
  type RawStoredEvent,
  type StoredEvent,
  upcast,
} from '../events/envelope.ts';
import type { Clock } from '../time/civil.ts';
import { decideBatch, decideImport, type ExistingEvent, validateBatch } from './append-plan.ts';
import { AppendSignal, followLog, pageThrough } from './subscription.ts';
import {
  type AppendResult,
  DEFAULT_PAGE,
  type EventStore,
  type ExpectedVersion,
  type IterateOptions,
  MAX_PAGE,
  type ReadAllOptions,
  type ReadAllPage,
  type ReadStreamOptions,
  type StreamWrite,
  type SubscribeOptions,
  type Subscription,
} from './types.ts';

export interface MemoryEventStoreOptions {
  readonly clock: Clock;
  /** Makes ids for events submitted without one (e.g. `monotonicFactory()` from the `ulid` package). */
  readonly newId: () => string;
}

/** An event store in memory: for embedding, tests and demos. It keeps the whole log in arrays. */
export class MemoryEventStore implements EventStore {
  readonly #log: RawStoredEvent[] = [];
  readonly #byId = new Map<string, RawStoredEvent>();
  readonly #streams = new Map<string, RawStoredEvent[]>();
  readonly #signal = new AppendSignal();
  readonly #options: MemoryEventStoreOptions;
  #closed = false;

  constructor(options: MemoryEventStoreOptions) {
    this.#options = options;
  }

  append(stream: string, events: readonly EventInput[], options: { expectedVersion?: ExpectedVersion } = {}) {
    return this.appendBatch([{ stream, events, expectedVersion: options.expectedVersion }]);
  }

  async appendBatch(writes: readonly StreamWrite[]): Promise<AppendResult> {
    this.#open();
    const prepared = validateBatch(writes);
    const existing = new Map<string, ExistingEvent>();
    for (const w of prepared) {
      for (const e of w.events) {
        const found = e.id === undefined ? undefined : this.#byId.get(e.id);
        if (found) existing.set(found.id, { ...found, content: contentOf(found) });
      }
    }
    const decision = decideBatch(prepared, {
      existing,
      versions: new Map(prepared.map((w) => [w.stream, this.#streams.get(w.stream)?.length ?? 0])),
      head: this.#log.length,
      newId: this.#options.newId,
      recordedAt: this.#options.clock.now().toISOString(),
    });
    if (decision.kind === 'append') this.#insert(decision.rows);
    return decision.result;
  }

  async importRows(
    rows: readonly RawStoredEvent[],
    options: { remap?: boolean } = {},
  ): Promise<{ head: number }> {
    this.#open();
    const streams = new Set(rows.map((r) => r.stream));
    const accepted = decideImport(rows, {
      head: this.#log.length,
      versions: new Map([...streams].map((s) => [s, this.#streams.get(s)?.length ?? 0])),
      existingIds: new Set(rows.map((r) => r.id).filter((id) => this.#byId.has(id))),
      remap: options.remap ?? false,
    });
    this.#insert(accepted);
    return { head: this.#log.length };
  }

  #insert(rows: readonly RawStoredEvent[]) {
    if (rows.length === 0) return;
    for (const row of rows) {
      const frozen = structuredClone(row);
      this.#log.push(frozen);
      this.#byId.set(frozen.id, frozen);
      const s = this.#streams.get(frozen.stream);
      if (s) s.push(frozen);
      else this.#streams.set(frozen.stream, [frozen]);
    }
    this.#signal.notify();
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    this.#open();
    const from = Math.max(1, options.fromVersion ?? 1);
    const rows = this.#streams.get(stream) ?? [];
    const end = options.limit === undefined ? rows.length : Math.min(rows.length, from - 1 + options.limit);
    return rows.slice(from - 1, end).map((r) => upcast(structuredClone(r)));
  }

  async streamVersion(stream: string): Promise<number> {
    this.#open();
    return this.#streams.get(stream)?.length ?? 0;
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllPage> {
    this.#open();
    const after = Math.max(0, options.after ?? 0);
    const limit = Math.min(Math.max(1, options.limit ?? DEFAULT_PAGE), MAX_PAGE);
    const events = this.#log.slice(after, after + limit).map((r) => upcast(structuredClone(r)));
    return { events, next: after + events.length, head: this.#log.length };
  }

  iterate(options: IterateOptions = {}): AsyncIterable<StoredEvent> {
    return pageThrough((o) => this.readAll(o), options);
  }

  async getEvents(ids: readonly string[]): Promise<Map<string, StoredEvent>> {
    this.#open();
    const found = new Map<string, StoredEvent>();
    for (const id of ids) {
      const r = this.#byId.get(id);
      if (r) found.set(id, upcast(structuredClone(r)));
    }
    return found;
  }

  async head(): Promise<number> {
    this.#open();
    return this.#log.length;
  }

  subscribe(options: SubscribeOptions): Subscription {
    this.#open();
    return followLog((after, limit) => this.readAll({ after, limit }), this.#signal, options);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#signal.notify();
  }

  #open() {
    if (this.#closed) throw new StoreClosedError();
  }
}
