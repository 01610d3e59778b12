import { contentOf, type ExistingEvent, type Meta, type RawStoredEvent } from '@chitieu/core';
import type { Database, Statement } from 'better-sqlite3';

type Row = [
  position: number,
  id: string,
  stream: string,
  version: number,
  type: string,
  schemaVersion: number,
  occurredAt: string,
  recordedAt: string,
  data: string,
  meta: string | null,
];

const COLUMNS = 'position, id, stream, version, type, schema_version, occurred_at, recorded_at, data, meta';

const fromRow = (r: Row): RawStoredEvent => {
  const event = {
    position: r[0],
    id: r[1],
    stream: r[2],
    version: r[3],
    type: r[4],
    schemaVersion: r[5],
    occurredAt: r[6],
    recordedAt: r[7],
    data: JSON.parse(r[8]) as unknown,
  };
  return r[9] === null ? event : { ...event, meta: JSON.parse(r[9]) as Meta };
};

/**
 * Every statement on the `events` table, prepared once per connection. Lists of ids or streams travel as
 * one JSON array through `json_each`, so a lookup for a 1,000-event batch is one call, not 1,000.
 */
export class EventTable {
  readonly #head: Statement<[], number | null>;
  readonly #versions: Statement<[string], [string, number | null]>;
  readonly #byIds: Statement<[string], Row>;
  readonly #presentIds: Statement<[string], string>;
  readonly #page: Statement<[number, number], Row>;
  readonly #stream: Statement<[string, number, number], Row>;
  readonly #insert: Statement<Row, void>;

  constructor(db: Database) {
    this.#head = db.prepare<[], number | null>('SELECT MAX(position) FROM events').pluck();
    // A correlated MAX per stream rides the (stream, version) index straight to the last version.
    this.#versions = db
      .prepare<[string], [string, number | null]>(
        `SELECT j.value, (SELECT MAX(e.version) FROM events e WHERE e.stream = j.value) FROM json_each(?) j`,
      )
      .raw();
    this.#byIds = db
      .prepare<[string], Row>(`SELECT ${COLUMNS} FROM events WHERE id IN (SELECT value FROM json_each(?))`)
      .raw();
    this.#presentIds = db
      .prepare<[string], string>('SELECT id FROM events WHERE id IN (SELECT value FROM json_each(?))')
      .pluck();
    this.#page = db
      .prepare<[number, number], Row>(
        `SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
      )
      .raw();
    this.#stream = db
      .prepare<[string, number, number], Row>(
        `SELECT ${COLUMNS} FROM events WHERE stream = ? AND version >= ? ORDER BY version LIMIT ?`,
      )
      .raw();
    this.#insert = db.prepare<Row, void>(
      `INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** The last position, 0 for an empty log. */
  head(): number {
    return this.#head.get() ?? 0;
  }

  /** Each stream's current version (0 when it has no events). */
  versions(streams: readonly string[]): Map<string, number> {
    const found = new Map<string, number>();
    if (streams.length === 0) return found;
    for (const [stream, version] of this.#versions.all(JSON.stringify(streams)))
      found.set(stream, version ?? 0);
    return found;
  }

  /** The stored events with these ids, as the idempotency check needs them. */
  existing(ids: readonly string[]): Map<string, ExistingEvent> {
    const found = new Map<string, ExistingEvent>();
    for (const raw of this.byIds(ids).values()) found.set(raw.id, { ...raw, content: contentOf(raw) });
    return found;
  }

  /** Which of these ids are stored already. */
  presentIds(ids: readonly string[]): Set<string> {
    return new Set(ids.length === 0 ? [] : this.#presentIds.all(JSON.stringify(ids)));
  }

  byIds(ids: readonly string[]): Map<string, RawStoredEvent> {
    const found = new Map<string, RawStoredEvent>();
    if (ids.length === 0) return found;
    for (const row of this.#byIds.all(JSON.stringify(ids))) found.set(row[1], fromRow(row));
    return found;
  }

  /** Events after `after`, in log order. */
  page(after: number, limit: number): RawStoredEvent[] {
    return this.#page.all(after, limit).map(fromRow);
  }

  /** A stream's events from `fromVersion`; a negative `limit` means all of them. */
  stream(stream: string, fromVersion: number, limit: number): RawStoredEvent[] {
    return this.#stream.all(stream, fromVersion, limit).map(fromRow);
  }

  /** Inserts rows whose positions and versions the append algorithm has already assigned. */
  insert(rows: readonly RawStoredEvent[]): void {
    for (const r of rows) {
      this.#insert.run(
        r.position,
        r.id,
        r.stream,
        r.version,
        r.type,
        r.schemaVersion,
        r.occurredAt,
        r.recordedAt,
        JSON.stringify(r.data),
        r.meta === undefined ? null : JSON.stringify(r.meta),
      );
    }
  }
}
