import { contentOf, type ExistingEvent, type Meta, type RawStoredEvent } from '@chitieu/core';
import { insertEvents } from './event-rows.ts';
import { LOCK_APPEND, type SchemaNames } from './schema-name.ts';
import { type SqlClient, type SqlQueryable, sqlStateOf, UNIQUE_VIOLATION } from './sql-client.ts';

/**
 * How appends get gap-free positions that readers can never skip.
 *
 * Every append (and import) takes one transaction-scoped advisory lock per schema, then reads the head
 * and assigns `head + 1, …` itself. A sequence would not do: a transaction that draws position 5 may
 * commit after one that drew 6, and a reader that saw 6 first would move past 5 for good (a rollback
 * would even leave 5 empty forever). Under the lock the next appender cannot read the head until the
 * previous one has committed: PostgreSQL releases transaction locks only after the commit is visible.
 * So positions are handed out in commit order, and whenever a reader sees position p, every position
 * below p is already visible to it. The price is that appends are serial across all nodes, which the
 * union's write rates (reports and corrections, not clickstreams) never come near; readers take no lock.
 */

/** What the append must look up: ids that may be stored already, and the streams it writes. */
export interface Lookups {
  readonly ids: readonly string[];
  readonly streams: readonly string[];
}

/** The log as the lock holder sees it. */
export interface LogState {
  readonly head: number;
  readonly versions: ReadonlyMap<string, number>;
  readonly existing: ReadonlyMap<string, ExistingEvent>;
}

// A unique violation cannot happen while every writer takes the lock; if one does (a writer that bypassed
// it), re-deciding against fresh state turns it into the right outcome: a retry result, a version
// conflict or a reused id. A violation that survives this many attempts is a bug and is thrown as is.
const ATTEMPTS = 3;

/**
 * Runs `work` under the append lock with the log's state as of the lock's grant, and inserts the rows it
 * returns. The insert announces the new head by NOTIFY, which PostgreSQL delivers on commit, and only if
 * the transaction commits. Says whether the head moved.
 */
export const underAppendLock = async <T>(
  client: SqlClient,
  names: SchemaNames,
  lookups: Lookups,
  work: (state: LogState) => { value: T; rows: readonly RawStoredEvent[] },
): Promise<{ value: T; moved: boolean }> => {
  const table = `${names.quoted}.events`;
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_APPEND, names.schema]);
        // A statement of its own, after the lock: under READ COMMITTED each statement takes a fresh
        // snapshot, so this one sees every append committed before the lock was granted. Folded into
        // the lock statement it would use a snapshot from before the wait and reuse a position.
        const state = await lockedState(tx, table, lookups);
        const { value, rows } = work(state);
        const head = rows.at(-1)?.position ?? state.head;
        await insertEvents(tx, table, rows, { channel: names.channel, payload: String(head) });
        return { value, moved: rows.length > 0 };
      });
    } catch (error) {
      if (sqlStateOf(error) !== UNIQUE_VIOLATION || attempt >= ATTEMPTS) throw error;
    }
  }
};

interface FoundEvent {
  readonly position: number;
  readonly id: string;
  readonly stream: string;
  readonly version: number;
  readonly type: string;
  readonly schema_version: number;
  readonly occurred_at: string;
  readonly data: unknown;
  readonly meta: Meta | null;
}

/**
 * The head, the versions of the streams and the stored events among the ids, in one statement: one
 * snapshot and one round trip, which matters because every other node's append waits while the lock is
 * held. JSON is read as text and parsed here so no driver's type parsing is involved.
 */
const lockedState = async (tx: SqlQueryable, table: string, lookups: Lookups): Promise<LogState> => {
  const [row] = await tx.query<{ head: string | number; versions: string; existing: string }>(
    `SELECT
       (SELECT coalesce(max(position), 0) FROM ${table}) AS head,
       (SELECT coalesce(json_object_agg(s, (SELECT coalesce(max(version), 0) FROM ${table} WHERE stream = s)), '{}')
          FROM unnest($1::text[]) AS s)::text AS versions,
       (SELECT coalesce(json_agg(x), '[]') FROM (
          SELECT position, id, stream, version, type, schema_version, occurred_at, data, meta
            FROM ${table} WHERE id = ANY($2::text[])) AS x)::text AS existing`,
    [lookups.streams, lookups.ids],
  );
  const found = JSON.parse(row!.existing) as FoundEvent[];
  return {
    head: Number(row!.head),
    versions: new Map(Object.entries(JSON.parse(row!.versions) as Record<string, number>)),
    // contentOf goes through canonicalJson, which sorts keys at every depth, so JSONB's own key order
    // (shorter keys first) compares equal to the order the writer used.
    existing: new Map(
      found.map((e) => [
        e.id,
        {
          position: e.position,
          stream: e.stream,
          version: e.version,
          content: contentOf({
            type: e.type,
            schemaVersion: e.schema_version,
            stream: e.stream,
            occurredAt: e.occurred_at,
            data: e.data,
            meta: e.meta ?? undefined,
          }),
        },
      ]),
    ),
  };
};
