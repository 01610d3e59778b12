import { IdReusedError, InvalidEventError, type Issue, VersionConflictError } from '../errors.ts';
import { contentOf, type PreparedEvent, prepareEvent, type RawStoredEvent } from '../events/envelope.ts';
import type { AppendResult, ExpectedVersion, StreamWrite } from './types.ts';

/**
 * The append algorithm every store shares. A store validates with {@link validateBatch} (no state), then,
 * inside its own transaction, looks up what {@link lookupsFor} names and lets {@link decideBatch} say what
 * to write. Keeping the decision pure is what lets memory, SQLite and PostgreSQL pass one contract suite.
 */

export interface PreparedWrite {
  readonly stream: string;
  readonly expectedVersion: ExpectedVersion;
  readonly events: readonly PreparedEvent[];
}

export const MAX_BATCH_EVENTS = 50_000;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** Schema-checks a batch; throws {@link InvalidEventError} listing every issue, or returns the prepared writes. */
export const validateBatch = (writes: readonly StreamWrite[]): PreparedWrite[] => {
  const issues: Issue[] = [];
  const prepared: PreparedWrite[] = [];
  const seenIds = new Map<string, string>();
  let total = 0;
  writes.forEach((w, wi) => {
    const events: PreparedEvent[] = [];
    const ev = w.expectedVersion;
    if (typeof ev === 'number' && !(Number.isInteger(ev) && ev >= 0)) {
      issues.push({
        path: `writes.${wi}.expectedVersion`,
        rule: 'invalid',
        message: 'must be a non-negative integer, "any", "no-stream" or "stream-exists"',
      });
    }
    total += w.events.length;
    w.events.forEach((input, ei) => {
      const path = `writes.${wi}.events.${ei}`;
      // The catalogue derives each event's stream; a write may only carry events of its own stream.
      const r = prepareEvent(input, path);
      if (!r.ok) {
        issues.push(...r.issues);
        return;
      }
      if (r.event.stream !== w.stream) {
        issues.push({
          path: `${path}.stream`,
          rule: 'wrong_stream',
          message: `${r.event.type} event belongs to stream '${r.event.stream}', not '${w.stream}'`,
        });
        return;
      }
      if (r.event.id !== undefined) {
        const first = seenIds.get(r.event.id);
        if (first !== undefined) {
          issues.push({ path: `${path}.id`, rule: 'duplicate_id', message: `id also used by ${first}` });
        } else seenIds.set(r.event.id, path);
      }
      events.push(r.event);
    });
    prepared.push({ stream: w.stream, expectedVersion: ev ?? 'any', events });
  });
  if (total > MAX_BATCH_EVENTS) {
    issues.push({ path: 'writes', rule: 'too_big', message: `at most ${MAX_BATCH_EVENTS} events per batch` });
  }
  if (issues.length > 0) throw new InvalidEventError(issues);
  return prepared;
};

/** What the store must look up before deciding: ids that may already be stored, and stream versions. */
export const lookupsFor = (writes: readonly PreparedWrite[]) => ({
  ids: writes.flatMap((w) => w.events.flatMap((e) => (e.id === undefined ? [] : [e.id]))),
  // A stream may have several writes in a batch: each is looked up once.
  streams: [...new Set(writes.map((w) => w.stream))],
});

/** A stored event as far as idempotency cares. */
export interface ExistingEvent {
  readonly position: number;
  readonly stream: string;
  readonly version: number;
  readonly content: string;
}

export type BatchDecision =
  | { readonly kind: 'retry'; readonly result: AppendResult }
  | { readonly kind: 'append'; readonly rows: readonly RawStoredEvent[]; readonly result: AppendResult };

const satisfies = (expected: ExpectedVersion, actual: number): boolean =>
  expected === 'any' ||
  (expected === 'no-stream' && actual === 0) ||
  (expected === 'stream-exists' && actual > 0) ||
  expected === actual;

/**
 * Decides a validated batch against the store's state: a pure retry returns the original positions; any
 * reused id otherwise is an error; stale expected versions are conflicts; else rows to insert, with ids,
 * versions and positions (from `head + 1`) assigned, in the order of the writes. A stream may have several
 * writes in a batch: each continues its version from the one before, and a write's expected version is
 * checked against the stream as the batch's earlier writes leave it.
 */
export const decideBatch = (
  writes: readonly PreparedWrite[],
  state: {
    readonly existing: ReadonlyMap<string, ExistingEvent>;
    readonly versions: ReadonlyMap<string, number>;
    readonly head: number;
    readonly newId: () => string;
    readonly recordedAt: string;
  },
): BatchDecision => {
  // Events whose id is stored already, with their paths (spelled out only for those: most batches have none).
  const known: { e: PreparedEvent; path: string }[] = [];
  let total = 0;
  if (state.existing.size > 0) {
    writes.forEach((w, wi) => {
      w.events.forEach((e, ei) => {
        if (e.id !== undefined && state.existing.has(e.id))
          known.push({ e, path: `writes.${wi}.events.${ei}` });
      });
    });
  }
  for (const w of writes) total += w.events.length;
  for (const { e, path } of known) {
    const prior = state.existing.get(e.id!)!;
    if (prior.content !== contentOf(e))
      throw new IdReusedError(e.id!, prior.position, 'different_content', `${path}.id`);
  }
  if (known.length > 0 && known.length === total) {
    const streams = writes.map((w) => {
      const positions = w.events.map((e) => state.existing.get(e.id!)!.position);
      const version = w.events.reduce((v, e) => Math.max(v, state.existing.get(e.id!)!.version), 0);
      return {
        stream: w.stream,
        positions,
        version: w.events.length ? version : (state.versions.get(w.stream) ?? 0),
      };
    });
    return {
      kind: 'retry',
      result: {
        streams,
        positions: streams.flatMap((s) => s.positions),
        ids: writes.flatMap((w) => w.events.map((e) => e.id!)),
        duplicate: true,
        head: state.head,
      },
    };
  }
  if (known.length > 0) {
    const { e, path } = known[0]!;
    throw new IdReusedError(e.id!, state.existing.get(e.id!)!.position, 'partial_retry', `${path}.id`);
  }
  // Each stream's version as the writes so far leave it.
  const versions = new Map<string, number>();
  for (const w of writes) {
    const actual = versions.get(w.stream) ?? state.versions.get(w.stream) ?? 0;
    if (!satisfies(w.expectedVersion, actual)) {
      throw new VersionConflictError(
        w.stream,
        w.expectedVersion as number | 'no-stream' | 'stream-exists',
        actual,
      );
    }
    versions.set(w.stream, actual + w.events.length);
  }
  versions.clear();
  let position = state.head;
  const rows: RawStoredEvent[] = [];
  const streams = writes.map((w) => {
    let version = versions.get(w.stream) ?? state.versions.get(w.stream) ?? 0;
    const positions: number[] = [];
    for (const e of w.events) {
      position += 1;
      version += 1;
      positions.push(position);
      // Meta is added after the fact rather than spread in: a row without it has no meta key, and this
      // runs per event.
      const row: { -readonly [K in keyof RawStoredEvent]: RawStoredEvent[K] } = {
        id: e.id ?? state.newId(),
        type: e.type,
        schemaVersion: e.schemaVersion,
        stream: e.stream,
        version,
        position,
        occurredAt: e.occurredAt,
        recordedAt: state.recordedAt,
        data: e.data,
      };
      if (e.meta !== undefined) row.meta = e.meta;
      rows.push(row);
    }
    versions.set(w.stream, version);
    return { stream: w.stream, positions, version };
  });
  return {
    kind: 'append',
    rows,
    result: {
      streams,
      positions: rows.map((r) => r.position),
      ids: rows.map((r) => r.id),
      duplicate: false,
      head: position,
    },
  };
};

/**
 * Checks rows exported from another log before a store imports them: each must pass the catalogue at its
 * schema version, positions must continue the log (`head + 1`, …, unless `remap`, which renumbers them),
 * versions must continue each stream, and ids must be new. Returns the rows to insert, positions final.
 */
export const decideImport = (
  rows: readonly RawStoredEvent[],
  state: {
    readonly head: number;
    readonly versions: ReadonlyMap<string, number>;
    readonly existingIds: ReadonlySet<string>;
    readonly remap: boolean;
  },
): RawStoredEvent[] => {
  const issues: Issue[] = [];
  const versions = new Map(state.versions);
  const ids = new Set<string>();
  const out: RawStoredEvent[] = [];
  rows.forEach((row, i) => {
    const path = `rows.${i}`;
    const r = prepareEvent(
      {
        id: row.id,
        type: row.type,
        schemaVersion: row.schemaVersion,
        stream: row.stream,
        occurredAt: row.occurredAt,
        data: row.data,
        ...(row.meta === undefined ? {} : { meta: row.meta }),
      },
      path,
    );
    if (!r.ok) {
      issues.push(...r.issues);
      return;
    }
    const position = state.head + i + 1;
    if (!state.remap && row.position !== position) {
      issues.push({
        path: `${path}.position`,
        rule: 'not_contiguous',
        message: `expected position ${position}`,
      });
    }
    const version = (versions.get(row.stream) ?? 0) + 1;
    if (row.version !== version) {
      issues.push({
        path: `${path}.version`,
        rule: 'not_contiguous',
        message: `stream '${row.stream}' expects version ${version}`,
      });
    }
    versions.set(row.stream, version);
    if (state.existingIds.has(row.id) || ids.has(row.id)) {
      issues.push({
        path: `${path}.id`,
        rule: 'duplicate_id',
        message: `id ${row.id} is already in the log`,
      });
    }
    ids.add(row.id);
    if (
      typeof row.recordedAt !== 'string' ||
      !ISO_INSTANT.test(row.recordedAt) ||
      Number.isNaN(Date.parse(row.recordedAt))
    ) {
      issues.push({
        path: `${path}.recordedAt`,
        rule: 'invalid',
        message: 'must be an ISO 8601 instant with an offset',
      });
    }
    out.push({ ...row, position, occurredAt: r.event.occurredAt, data: r.event.data });
  });
  if (issues.length > 0) throw new InvalidEventError(issues);
  return out;
};
