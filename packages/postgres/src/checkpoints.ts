import { CheckpointCorruptError } from '@chitieu/core';
import type { SqlClient } from './sql-client.ts';

/** A snapshot of a projection's state and the log position it reflects. */
export interface Checkpoint {
  readonly name: string;
  readonly position: number;
  readonly savedAt: string;
  readonly state: Uint8Array;
}

/** Bytes per stored part of a checkpoint (a BYTEA value is capped at 1 GB; parameters are held in memory). */
export const CHECKPOINT_PART_BYTES = 64 * 2 ** 20;

/** Where checkpoints live: the row per name, and the parts of those larger than one part. */
export interface CheckpointTables {
  readonly checkpoints: string;
  readonly parts: string;
}

/**
 * Saves a checkpoint, replacing any earlier one of the same name, in one transaction; throws on a malformed
 * one. The row is written first: its lock makes two nodes saving the same name at once take turns, so the
 * parts of two saves never mix.
 */
export const saveCheckpoint = async (
  client: SqlClient,
  tables: CheckpointTables,
  checkpoint: {
    readonly name: string;
    readonly position: number;
    readonly savedAt: string;
    readonly state: Uint8Array;
  },
  partBytes = CHECKPOINT_PART_BYTES,
): Promise<void> => {
  const { name, position, savedAt, state } = checkpoint;
  if (name === '' || !Number.isSafeInteger(position) || position < 0) {
    throw new RangeError(
      `checkpoint '${name}' at ${position}: need a name and a non-negative integer position`,
    );
  }
  const parts = state.byteLength <= partBytes ? 0 : Math.ceil(state.byteLength / partBytes);
  await client.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO ${tables.checkpoints} (name, position, saved_at, state, parts) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, saved_at = excluded.saved_at,
                                        state = excluded.state, parts = excluded.parts`,
      [name, position, savedAt, parts === 0 ? state : new Uint8Array(), parts],
    );
    await tx.query(`DELETE FROM ${tables.parts} WHERE name = $1`, [name]);
    for (let i = 0; i < parts; i++) {
      const from = i * partBytes;
      await tx.query(`INSERT INTO ${tables.parts} (name, part, bytes) VALUES ($1, $2, $3)`, [
        name,
        i,
        state.subarray(from, Math.min(from + partBytes, state.byteLength)),
      ]);
    }
  });
};

type Row = {
  position: string | number;
  saved_at: string;
  state: Uint8Array | null;
  parts: number;
  part: number | null;
  bytes: Uint8Array | null;
};

/** The position of the checkpoint saved under `name`, without its state; undefined when there is none. */
export const checkpointPosition = async (
  client: SqlClient,
  tables: CheckpointTables,
  name: string,
): Promise<number | undefined> => {
  const [row] = await client.query<{ position: string | number }>(
    `SELECT position FROM ${tables.checkpoints} WHERE name = $1 AND state IS NOT NULL`,
    [name],
  );
  return row === undefined ? undefined : Number(row.position);
};

/** The checkpoint saved under `name`, or undefined when there is none. One statement: one snapshot. */
export const loadCheckpoint = async (
  client: SqlClient,
  tables: CheckpointTables,
  name: string,
): Promise<Checkpoint | undefined> => {
  const rows = await client.query<Row>(
    `SELECT c.position, c.saved_at, c.state, c.parts, p.part, p.bytes
       FROM ${tables.checkpoints} c LEFT JOIN ${tables.parts} p ON p.name = c.name
      WHERE c.name = $1
      ORDER BY p.part`,
    [name],
  );
  const [row] = rows;
  // A row without a state (written by an earlier version of this table) is no checkpoint at all.
  if (!row || row.state === null) return undefined;
  const found = { name, position: Number(row.position), savedAt: row.saved_at };
  const parts = Number(row.parts);
  if (parts === 0) return { ...found, state: copy([row.state]) };
  const pieces = rows.filter((r) => r.bytes !== null);
  if (pieces.length !== parts || pieces.some((r, i) => Number(r.part) !== i)) {
    throw new CheckpointCorruptError(name, `expected parts 0 to ${parts - 1}, found ${pieces.length}`);
  }
  return { ...found, state: copy(pieces.map((r) => r.bytes!)) };
};

/** The pieces in one plain Uint8Array (drivers hand back Buffers sharing larger pools). */
const copy = (pieces: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
};
