import type { Database, Statement } from 'better-sqlite3';

/** A projection's saved state: the bytes it serialised after folding the log up to `position`. */
export interface Checkpoint {
  readonly position: number;
  /** When it was saved (UTC instant). */
  readonly savedAt: string;
  readonly state: Uint8Array;
}

/** The statements on the `checkpoints` table: one row per name, replaced on every save. */
export class CheckpointTable {
  readonly #save: Statement<[string, number, string, Buffer], void>;
  readonly #load: Statement<[string], [number, string, Buffer]>;

  constructor(db: Database) {
    this.#save = db.prepare<[string, number, string, Buffer], void>(
      `INSERT INTO checkpoints (name, position, saved_at, state) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE
       SET position = excluded.position, saved_at = excluded.saved_at, state = excluded.state`,
    );
    this.#load = db
      .prepare<[string], [number, string, Buffer]>(
        'SELECT position, saved_at, state FROM checkpoints WHERE name = ?',
      )
      .raw();
  }

  save(name: string, position: number, savedAt: string, state: Uint8Array): void {
    // A view, not a copy: checkpoints can be megabytes and SQLite copies the bytes anyway.
    this.#save.run(name, position, savedAt, Buffer.from(state.buffer, state.byteOffset, state.byteLength));
  }

  load(name: string): Checkpoint | undefined {
    const row = this.#load.get(name);
    if (row === undefined) return undefined;
    const [position, savedAt, state] = row;
    // A plain Uint8Array, so callers comparing bytes are not surprised by Buffer's extra identity.
    return { position, savedAt, state: new Uint8Array(state.buffer, state.byteOffset, state.byteLength) };
  }
}
