import type { SqlQueryable } from './sql-client.ts';

/** How far a projection has read the log, and optionally a snapshot of its state at that position. */
export interface Checkpoint {
  readonly name: string;
  readonly position: number;
  readonly savedAt: string;
  readonly state?: Uint8Array;
}

/** Saves a checkpoint in `table`, replacing any earlier one of the same name; throws on a malformed one. */
export const saveCheckpoint = async (
  q: SqlQueryable,
  table: string,
  checkpoint: {
    readonly name: string;
    readonly position: number;
    readonly savedAt: string;
    readonly state: Uint8Array | undefined;
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
    [name, position, savedAt, state ?? null],
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
  if (!row) return undefined;
  return {
    name,
    position: Number(row.position),
    savedAt: row.saved_at,
    // node-postgres hands back a Buffer; copy into a plain Uint8Array so both drivers return the same.
    ...(row.state === null ? {} : { state: Uint8Array.from(row.state) }),
  };
};
