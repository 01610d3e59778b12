import { InvalidEventError } from '../errors.ts';
import { definitionOf } from '../events/catalogue.ts';
import { canonicalJson, type RawStoredEvent, type StoredEvent } from '../events/envelope.ts';
import type { EventStore } from './types.ts';

/**
 * Moving a whole log between stores as NDJSON: one stored event per line, exactly as read (current schema),
 * so an export can be diffed, grepped and imported into any store. No I/O here: the host writes the lines.
 */

/** Every event of `store` as NDJSON lines (each ends with a newline). */
export async function* exportLog(store: EventStore, options: { after?: number; pageSize?: number } = {}) {
  for await (const e of store.iterate({ after: options.after ?? 0, pageSize: options.pageSize ?? 5_000 })) {
    // Canonical JSON: the same log exports byte for byte the same from any store (JSONB reorders keys).
    yield `${canonicalJson(toRow(e))}\n`;
  }
}

const toRow = (e: StoredEvent): RawStoredEvent => ({
  id: e.id,
  type: e.type,
  // Reads are lifted to the current schema, so an exported line is written at the current version: it
  // must validate on import as it stands. (The version an event was first written at is not carried over.)
  schemaVersion: definitionOf(e.type).version,
  stream: e.stream,
  version: e.version,
  position: e.position,
  occurredAt: e.occurredAt,
  recordedAt: e.recordedAt,
  data: e.data,
  ...(e.meta === undefined ? {} : { meta: e.meta }),
});

export interface ImportProgress {
  readonly rows: number;
  readonly head: number;
}

/**
 * Imports NDJSON lines into `store` in batches, keeping ids, versions and recordedAt; positions are kept
 * (into an empty log) or, with `remap`, renumbered after the head. Reports progress after each batch.
 */
export const importLog = async (
  store: EventStore,
  lines: AsyncIterable<string> | Iterable<string>,
  options: { batchSize?: number; remap?: boolean; onProgress?: (p: ImportProgress) => void } = {},
): Promise<ImportProgress> => {
  const batchSize = options.batchSize ?? 5_000;
  let batch: RawStoredEvent[] = [];
  let rows = 0;
  let head = await store.head();
  let lineNo = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    head = (await store.importRows(batch, { remap: options.remap ?? false })).head;
    rows += batch.length;
    batch = [];
    options.onProgress?.({ rows, head });
  };
  for await (const line of lines) {
    lineNo += 1;
    if (line.trim() === '') continue;
    let row: RawStoredEvent;
    try {
      row = JSON.parse(line) as RawStoredEvent;
    } catch {
      throw new InvalidEventError([
        { path: `line.${lineNo}`, rule: 'invalid_json', message: 'is not a JSON object' },
      ]);
    }
    batch.push(row);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return { rows, head };
};
