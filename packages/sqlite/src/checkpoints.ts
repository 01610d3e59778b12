import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { type FileHandle, mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
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

/** A checkpoint whose bytes are in a file beside the database: the row names it and its length. */
export interface CheckpointInFile {
  readonly position: number;
  readonly savedAt: string;
  readonly file: string;
  readonly fileBytes: number;
}

/**
 * Checkpoints of a file-backed database from `minBytes` on, as files in `dir` (the database's path plus
 * `-checkpoints`). A file is written under a temporary name, synced, renamed into place and its directory
 * synced before the row that names it commits, so a committed row never names a partial file; the file
 * a save replaces is removed after the commit. A crash between the write and the commit leaves a file no
 * row names: each save then sweeps away such files once they are an hour old ({@link sweep}), never
 * younger ones, which may be another process's save between its rename and its commit. Each save writes a
 * new file name, so a reader in another process holding the previous row either still finds that file
 * or, once it is gone, reads the row again.
 */
export class CheckpointFiles {
  constructor(
    readonly dir: string,
    readonly minBytes: number,
    readonly durable: boolean,
    /** Bytes per read of a file: `fs.readFile` refuses files over 2 GiB, which a checkpoint may be. */
    readonly readPartBytes = 2 ** 30,
  ) {
    if (!(minBytes >= 0)) throw new RangeError(`checkpoint file threshold must be >= 0, got ${minBytes}`);
  }

  /**
   * Writes `state` to a new file and returns its name (relative to the directory). Asynchronous, so a
   * server keeps answering while gigabytes go to disk (the writes run on libuv's thread pool).
   */
  async write(position: number, state: Uint8Array): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const file = `checkpoint-${position}-${Date.now()}-${randomBytes(6).toString('hex')}.bin`;
    const tmp = join(this.dir, `${file}.tmp`);
    const handle = await open(tmp, 'w');
    try {
      for (let at = 0; at < state.byteLength; ) {
        const { bytesWritten } = await handle.write(state, at, Math.min(state.byteLength - at, 2 ** 30));
        at += bytesWritten;
      }
      if (this.durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, join(this.dir, file));
    if (this.durable) {
      const dir = await open(this.dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    }
    return file;
  }

  /**
   * The file's bytes, or undefined when it no longer exists; throws when its length is not `bytes`. Read in
   * parts into one array, so a checkpoint past 2 GiB (which `fs.readFile` refuses) loads like any other.
   */
  async read(name: string, file: string, bytes: number): Promise<Uint8Array | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(join(this.dir, file), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const { size } = await handle.stat();
      if (size !== bytes)
        throw new CheckpointCorruptError(name, `its file ${file} holds ${size} bytes, expected ${bytes}`);
      const data = new Uint8Array(size);
      for (let at = 0; at < size; ) {
        const { bytesRead } = await handle.read(data, at, Math.min(size - at, this.readPartBytes), at);
        if (bytesRead === 0)
          throw new CheckpointCorruptError(name, `its file ${file} ended at ${at} bytes, expected ${bytes}`);
        at += bytesRead;
      }
      return data;
    } finally {
      await handle.close();
    }
  }

  remove(file: string): void {
    rmSync(join(this.dir, file), { force: true });
  }

  /**
   * Removes the checkpoint files (and temporary files of unfinished writes) that no row names and that
   * were last written more than `graceMs` ago; returns their names. Other files are left alone.
   */
  sweep(named: ReadonlySet<string>, graceMs = ORPHAN_GRACE_MS, now = Date.now()): string[] {
    let entries: string[];
    try {
      entries = readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const removed: string[] = [];
    for (const entry of entries) {
      if (!CHECKPOINT_FILE.test(entry) || named.has(entry)) continue;
      const path = join(this.dir, entry);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat === undefined || !stat.isFile() || now - stat.mtimeMs < graceMs) continue;
      rmSync(path, { force: true });
      removed.push(entry);
    }
    return removed;
  }
}

/** How old a file no checkpoint row names must be before a save removes it. */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;
/** The names {@link CheckpointFiles.write} gives, finished or not. */
const CHECKPOINT_FILE = /^checkpoint-\d+-\d+-[0-9a-f]{12}\.bin(\.tmp)?$/;

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
  readonly #save: Statement<[string, number, string, Buffer, number, string | null, number | null], void>;
  readonly #load: Statement<[string], [number, string, Buffer, number, string | null, number | null]>;
  readonly #fileOf: Statement<[string], string | null>;
  readonly #files: Statement<[], string>;
  readonly #positionOf: Statement<[string], number>;
  readonly #dropParts: Statement<[string], void>;
  readonly #savePart: Statement<[string, number, Buffer], void>;
  readonly #loadParts: Statement<[string], [number, Buffer]>;

  constructor(db: Database, partBytes = CHECKPOINT_PART_BYTES) {
    if (!(Number.isSafeInteger(partBytes) && partBytes > 0)) {
      throw new RangeError(`checkpoint part size must be a positive integer, got ${partBytes}`);
    }
    this.#partBytes = partBytes;
    this.#save = db.prepare(
      `INSERT INTO checkpoints (name, position, saved_at, state, parts, file, file_bytes)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE
       SET position = excluded.position, saved_at = excluded.saved_at, state = excluded.state,
           parts = excluded.parts, file = excluded.file, file_bytes = excluded.file_bytes`,
    );
    this.#load = db
      .prepare<[string], [number, string, Buffer, number, string | null, number | null]>(
        'SELECT position, saved_at, state, parts, file, file_bytes FROM checkpoints WHERE name = ?',
      )
      .raw();
    this.#fileOf = db.prepare<[string], string | null>('SELECT file FROM checkpoints WHERE name = ?').pluck();
    this.#files = db.prepare<[], string>('SELECT file FROM checkpoints WHERE file IS NOT NULL').pluck();
    this.#positionOf = db
      .prepare<[string], number>('SELECT position FROM checkpoints WHERE name = ?')
      .pluck();
    this.#dropParts = db.prepare('DELETE FROM checkpoint_parts WHERE name = ?');
    this.#savePart = db.prepare('INSERT INTO checkpoint_parts (name, part, bytes) VALUES (?, ?, ?)');
    this.#loadParts = db
      .prepare<[string], [number, Buffer]>(
        'SELECT part, bytes FROM checkpoint_parts WHERE name = ? ORDER BY part',
      )
      .raw();
  }

  /** The files the rows name. */
  files(): Set<string> {
    return new Set(this.#files.all());
  }

  /** The position of the checkpoint `name`, without its state; undefined when there is none. */
  position(name: string): number | undefined {
    return this.#positionOf.get(name);
  }

  /**
   * Replaces the checkpoint `name`: with `state` in the row (or its parts), or, when `file` is given, with
   * the row naming that already written file. Returns the file the replaced checkpoint was in, if any, for
   * the caller to remove once this commits.
   */
  save(
    name: string,
    position: number,
    savedAt: string,
    state: Uint8Array,
    file?: string,
  ): string | undefined {
    const previous = this.#fileOf.get(name) ?? undefined;
    this.#dropParts.run(name);
    if (file !== undefined) {
      this.#save.run(name, position, savedAt, Buffer.alloc(0), 0, file, state.byteLength);
      return previous;
    }
    if (state.byteLength <= this.#partBytes) {
      this.#save.run(name, position, savedAt, view(state), 0, null, null);
      return previous;
    }
    const parts = Math.ceil(state.byteLength / this.#partBytes);
    this.#save.run(name, position, savedAt, Buffer.alloc(0), parts, null, null);
    for (let i = 0; i < parts; i++) {
      const from = i * this.#partBytes;
      this.#savePart.run(name, i, view(state, from, Math.min(from + this.#partBytes, state.byteLength)));
    }
    return previous;
  }

  /** The checkpoint `name` with its bytes, or the file they are in; undefined when none was saved. */
  load(name: string): Checkpoint | CheckpointInFile | undefined {
    const row = this.#load.get(name);
    if (row === undefined) return undefined;
    const [position, savedAt, state, parts, file, fileBytes] = row;
    if (file !== null) return { position, savedAt, file, fileBytes: fileBytes ?? -1 };
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
