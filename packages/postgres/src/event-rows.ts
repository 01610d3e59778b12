import type { Meta, RawStoredEvent } from '@chitieu/core';
import type { SqlQueryable } from './sql-client.ts';

/**
 * How an event is laid out in the `events` table, in both directions. JSON columns are read as text and
 * parsed here, so the result does not depend on a driver's type parsers (a pool handed in by an embedder
 * may have its own), and BIGINT positions, which node-postgres returns as strings, become numbers.
 */

export const EVENT_COLUMNS =
  'position, id, stream, version, type, schema_version, occurred_at, recorded_at, data::text AS data, meta::text AS meta';

export interface EventRow {
  readonly position: string | number;
  readonly id: string;
  readonly stream: string;
  readonly version: number;
  readonly type: string;
  readonly schema_version: number;
  readonly occurred_at: string;
  readonly recorded_at: string;
  readonly data: string;
  readonly meta: string | null;
}

/** A table row as the raw stored event core's `upcast` expects. */
export const rawFromRow = (row: EventRow): RawStoredEvent => ({
  id: row.id,
  type: row.type,
  schemaVersion: Number(row.schema_version),
  stream: row.stream,
  version: Number(row.version),
  position: Number(row.position),
  occurredAt: row.occurred_at,
  recordedAt: row.recorded_at,
  data: JSON.parse(row.data) as unknown,
  ...(row.meta === null ? {} : { meta: JSON.parse(row.meta) as Meta }),
});

/**
 * Inserts rows and announces them with one statement whatever their number: one array per column, zipped by `unnest`, so a
 * 50,000-event batch is ten parameters rather than half a million.
 */
export const insertEvents = async (
  tx: SqlQueryable,
  table: string,
  rows: readonly RawStoredEvent[],
  notify: { readonly channel: string; readonly payload: string },
) => {
  if (rows.length === 0) return;
  // The NOTIFY rides in the same statement to save a round trip while the append lock is held; a
  // data-modifying WITH runs to completion whether or not the outer query reads it.
  await tx.query(
    `WITH inserted AS (
       INSERT INTO ${table} (position, id, stream, version, type, schema_version, occurred_at, recorded_at, data, meta)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::text[], $6::int[],
                            $7::text[], $8::text[], $9::jsonb[], $10::jsonb[])
     )
     SELECT pg_notify($11, $12)`,
    [
      rows.map((r) => r.position),
      rows.map((r) => r.id),
      rows.map((r) => r.stream),
      rows.map((r) => r.version),
      rows.map((r) => r.type),
      rows.map((r) => r.schemaVersion),
      rows.map((r) => r.occurredAt),
      rows.map((r) => r.recordedAt),
      rows.map((r) => JSON.stringify(r.data)),
      rows.map((r) => (r.meta === undefined ? null : JSON.stringify(r.meta))),
      notify.channel,
      notify.payload,
    ],
  );
};
