import type { EventInput, RawStoredEvent, StoredEvent } from '../events/envelope.ts';

/**
 * What a writer expects of a stream before its write: an exact version (0 = empty), that it has no events,
 * that it has some, or nothing at all.
 */
export type ExpectedVersion = number | 'any' | 'no-stream' | 'stream-exists';

/** Events for one stream. An empty `events` with an `expectedVersion` is a guard: it checks and writes nothing. */
export interface StreamWrite {
  readonly stream: string;
  readonly events: readonly EventInput[];
  readonly expectedVersion?: ExpectedVersion | undefined;
}

export interface StreamResult {
  readonly stream: string;
  /** Global positions of this write's events, in order. */
  readonly positions: readonly number[];
  /** The stream's version after the write (for a retry: after the original write's last event). */
  readonly version: number;
}

export interface AppendResult {
  readonly streams: readonly StreamResult[];
  /** Positions of every event in the batch, in submission order. */
  readonly positions: readonly number[];
  /** The ids of every event in submission order (generated where the writer left them out). */
  readonly ids: readonly string[];
  /** True when the batch repeated earlier appends: nothing was written, the original positions are returned. */
  readonly duplicate: boolean;
  /** The log's head after the append. */
  readonly head: number;
}

export interface ReadAllPage {
  readonly events: readonly StoredEvent[];
  /** Pass as `after` to read the next page; equals `after` when nothing was read. */
  readonly next: number;
  /** The log's head when the page was read. */
  readonly head: number;
}

export interface ReadStreamOptions {
  /** First version to return (1-based; default 1). */
  readonly fromVersion?: number;
  readonly limit?: number;
}

export interface ReadAllOptions {
  /** Return events with positions greater than this (default 0: from the start). */
  readonly after?: number;
  /** At most this many events (stores cap it; default 1,000). */
  readonly limit?: number;
}

export interface IterateOptions {
  readonly after?: number;
  /** Stop after this position (default: the head when iteration reaches it). */
  readonly to?: number;
  readonly pageSize?: number;
}

export interface SubscribeOptions {
  /** Deliver events after this position. */
  readonly after: number;
  /** Called with each page of new events, in order; the next page waits for the returned promise. */
  readonly onEvents: (events: readonly StoredEvent[]) => void | Promise<void>;
  readonly onError?: (error: unknown) => void;
  readonly pageSize?: number;
  /** Poll interval when no in-process notification arrives (other processes writing). Default 500 ms. */
  readonly pollIntervalMs?: number;
}

export interface Subscription {
  /** The position of the last event delivered. */
  readonly position: number;
  /** Resolves once the subscription has delivered everything up to `position`. */
  caughtUp(position: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The append-only log. Positions are gap-free and strictly increasing; each stream has its own version
 * for optimistic concurrency. An append is atomic across all its streams, and idempotent by event id.
 */
export interface EventStore {
  /** Appends events to one stream. */
  append(
    stream: string,
    events: readonly EventInput[],
    options?: { expectedVersion?: ExpectedVersion },
  ): Promise<AppendResult>;
  /** Appends to several streams atomically: every write lands, or none does. */
  appendBatch(writes: readonly StreamWrite[]): Promise<AppendResult>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** The stream's current version (0 when it has no events). */
  streamVersion(stream: string): Promise<number>;
  readAll(options?: ReadAllOptions): Promise<ReadAllPage>;
  /** Every event after `after`, page by page, without holding the log in memory. */
  iterate(options?: IterateOptions): AsyncIterable<StoredEvent>;
  /** The stored events with these ids (ids not stored are absent from the map). */
  getEvents(ids: readonly string[]): Promise<Map<string, StoredEvent>>;
  /**
   * Adds rows exported from another log (see `exportLog`), keeping ids, stream versions, `occurredAt` and
   * `recordedAt`. Positions must continue this log unless `remap` renumbers them after the head. Atomic.
   */
  importRows(rows: readonly RawStoredEvent[], options?: { remap?: boolean }): Promise<{ head: number }>;
  /** The position of the last event (0 for an empty log). */
  head(): Promise<number>;
  /** Follows the log from a position: in-process appends are delivered at once, others by polling. */
  subscribe(options: SubscribeOptions): Subscription;
  close(): Promise<void>;
}

export const DEFAULT_PAGE = 1_000;
export const MAX_PAGE = 10_000;
