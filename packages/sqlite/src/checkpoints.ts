import { CheckpointCorruptError } from '@chitieu/core';
import type { Database, Statement } from 'better-sqlite3';

/** A projection's saved state: the bytes it serialised after folding the log up to `position`. */
export interface Checkpoint {
  readonly position: number;
  /** When it was saved (UTC instant). */
  readonly savedAt: string;
  readonly state: Uint8Array;
}

/**
 * Bytes per stored part of a checkpoint: well under SQLite's 1 GB limit on one value, and large enough that
 * a 10-million-event checkpoint is a handful of rows.
 */
export const CHECKPOINT_PART_BYTES = 256 * 2 ** 20;

const view = (bytes: Uint8Array, from = 0, to = bytes.byteLength): Buffer =>
  // A view, not a copy: checkpoints can be hundreds of megabytes and SQLite copies the bytes anyway.
  Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from);

/**
 * The statements on the `checkpoints` table: one row per name, replaced on every save. A state larger than
 * one part goes to `checkpoint_parts` (the row's `state` then stays empty). Callers run save and load
 * inside a transaction, so a reader never sees the parts of two saves.
 */
export class CheckpointTable {
  readonly #partBytes: number;
  readonly #save: Statement<[string, number, string, Buffer, number], void>;
  readonly #load: Statement<[string], [number, string, Buffer, number]>;
  readonly #dropParts: Statement<[string], void>;
  readonly #savePart: Statement<[string, number, Buffer], void>;
  readonly #loadParts: Statement<[string], [number, Buffer]>;

  constructor(db: Database, partBytes = CHECKPOINT_PART_BYTES) {
    if (!(Number.isSafeInteger(partBytes) && partBytes > 0)) {
      throw new RangeError(`checkpoint part size must be a positive integer, got ${partBytes}`);
    }
    this.#partBytes = partBytes;
    this.#save = db.prepare(
      `INSERT INTO checkpoints (name, position, saved_at, state, parts) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE
       SET position = excluded.position, saved_at = excluded.saved_at, state = excluded.state,
           parts = excluded.parts`,
    );
    this.#load = db
      .prepare<[string], [number, string, Buffer, number]>(
        'SELECT position, saved_at, state, parts FROM checkpoints WHERE name = ?',
      )
      .raw();
    this.#dropParts = db.prepare('DELETE FROM checkpoint_parts WHERE name = ?');
    this.#savePart = db.prepare('INSERT INTO checkpoint_parts (name, part, bytes) VALUES (?, ?, ?)');
    this.#loadParts = db
      .prepare<[string], [number, Buffer]>(
        'SELECT part, bytes FROM checkpoint_parts WHERE name = ? ORDER BY part',
      )
      .raw();
  }

  save(name: string, position: number, savedAt: string, state: Uint8Array): void {
    this.#dropParts.run(name);
    if (state.byteLength <= this.#partBytes) {
      this.#save.run(name, position, savedAt, view(state), 0);
      return;
    }
    const parts = Math.ceil(state.byteLength / this.#partBytes);
    this.#save.run(name, position, savedAt, Buffer.alloc(0), parts);
    for (let i = 0; i < parts; i++) {
      const from = i * this.#partBytes;
      this.#savePart.run(name, i, view(state, from, Math.min(from + this.#partBytes, state.byteLength)));
    }
  }

  load(name: string): Checkpoint | undefined {
    const row = this.#load.get(name);
    if (row === undefined) return undefined;
    const [position, savedAt, state, parts] = row;
    if (parts === 0) {
      // A plain Uint8Array, so callers comparing bytes are not surprised by Buffer's extra identity.
      return { position, savedAt, state: new Uint8Array(state.buffer, state.byteOffset, state.byteLength) };
    }
    const rows = this.#loadParts.all(name);
    if (rows.length !== parts || rows.some(([part], i) => part !== i)) {
      throw new CheckpointCorruptError(name, `expected parts 0 to ${parts - 1}, found ${rows.length}`);
    }
    const out = new Uint8Array(rows.reduce((n, [, bytes]) => n + bytes.byteLength, 0));
    let at = 0;
    for (const [, bytes] of rows) {
      out.set(bytes, at);
      at += bytes.byteLength;
    }
    return { position, savedAt, state: out };
  }
}
