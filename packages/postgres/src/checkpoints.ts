import type { SqlQueryable } from './sql-client.ts';

/** A snapshot of a projection's state and the log position it reflects. */
export interface Checkpoint {
  readonly name: string;
  readonly position: number;
  readonly savedAt: string;
  readonly state: Uint8Array;
}

/** Saves a checkpoint in `table`, replacing any earlier one of the same name; throws on a malformed one. */
export const saveCheckpoint = async (
  q: SqlQueryable,
  table: string,
  checkpoint: {
    readonly name: string;
    readonly position: number;
    readonly savedAt: string;
    readonly state: Uint8Array;
  },
): Promise<void> => {
  const { name, position, savedAt, state } = checkpoint;
  if (name === '' || !Number.isSafeInteger(position) || position < 0) {
    throw new RangeError(
      `checkpoint '${name}' at ${position}: need a name and a non-negative integer position`,
    );
  }
  await q.query(
    `INSERT INTO ${table} (name, position, saved_at, state) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO UPDATE SET position = excluded.position, saved_at = excluded.saved_at,
                                      state = excluded.state`,
    [name, position, savedAt, state],
  );
};

/** The checkpoint saved in `table` under `name`, or undefined when there is none. */
export const loadCheckpoint = async (
  q: SqlQueryable,
  table: string,
  name: string,
): Promise<Checkpoint | undefined> => {
  const [row] = await q.query<{ position: string | number; saved_at: string; state: Uint8Array | null }>(
    `SELECT position, saved_at, state FROM ${table} WHERE name = $1`,
    [name],
  );
  // A row without a state (written by an earlier version of this table) is no checkpoint at all.
  if (!row || row.state === null) return undefined;
  const s = row.state;
  return {
    name,
    position: Number(row.position),
    savedAt: row.saved_at,
    // node-postgres hands back a Buffer; copy it into a plain Uint8Array in one slice (checkpoints are large).
    state: new Uint8Array(s.buffer.slice(s.byteOffset, s.byteOffset + s.byteLength)),
  };
};
