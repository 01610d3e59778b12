import { readdirSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { fixedClock, StoreClosedError, type StoredEvent, VersionConflictError } from '@chitieu/core';
import { eventStoreContract } from '@chitieu/core/contract';
import { activity, event, sequentialIds } from '@chitieu/core/testing';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CheckpointFiles } from './checkpoints.ts';
import { SqliteEventStore } from './sqlite-event-store.ts';
import { tempDir } from './testing/temp-dir.ts';

const tmp = tempDir('sqlite-store');
afterAll(() => tmp.remove());

const paths = new WeakMap<object, string>();

eventStoreContract('sqlite', {
  open: async ({ clock, newId }) => {
    const path = tmp.file();
    const store = SqliteEventStore.open({ path, clock, newId });
    paths.set(store, path);
    return store;
  },
  reopen: async (store, { clock, newId }) => {
    const path = paths.get(store)!;
    await store.close();
    const again = SqliteEventStore.open({ path, clock, newId });
    paths.set(again, path);
    return again;
  },
});

describe('SqliteEventStore', () => {
  const clock = fixedClock('2024-05-01T03:00:00.000Z');
  const opened: SqliteEventStore[] = [];
  const open = (path = tmp.file()) => {
    const store = SqliteEventStore.open({
      path,
      clock,
      newId: sequentialIds(Date.UTC(2024, 4, 1), opened.length),
    });
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });

  it('keeps the log in WAL mode, so readers in other connections do not block the writer', async () => {
    const path = tmp.file();
    const store = open(path);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.prepare('BEGIN').run();
    db.prepare('SELECT COUNT(*) FROM events').get();
    await store.append('activity-a', [activity('a', 'u1', '2024-01-01')]);
    db.prepare('COMMIT').run();
    db.close();
    expect(await store.head()).toBe(1);
  });

  it('refuses an unknown synchronous mode rather than splicing it into a PRAGMA', () => {
    expect(() =>
      SqliteEventStore.open({ path: ':memory:', synchronous: 'full; DROP TABLE events' as 'full' }),
    ).toThrow(RangeError);
  });

  it('works on a private in-memory database', async () => {
    const store = SqliteEventStore.open({ path: ':memory:', clock });
    opened.push(store);
    const r = await store.append('activity-a', [activity('a', 'u1', '2024-01-01')]);
    expect(r.positions).toEqual([1]);
    expect(r.ids[0]).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
  });

  it('makes increasing ULIDs by default for events without ids', async () => {
    const store = SqliteEventStore.open({ path: tmp.file(), clock });
    opened.push(store);
    const r = await store.appendBatch(
      Array.from({ length: 50 }, (_, i) => ({
        stream: `activity-u${i}`,
        events: [activity(`u${i}`, 'u1', '2024-01-01')],
      })),
    );
    expect([...r.ids].sort()).toEqual(r.ids);
    expect(new Set(r.ids).size).toBe(50);
  });

  describe('two connections to one file', () => {
    it('sees the other connection’s appends at once: head, versions and new positions', async () => {
      const path = tmp.file();
      const a = open(path);
      const b = open(path);
      await a.append('activity-x', [activity('x', 'u1', '2024-01-01')]);
      expect(await b.head()).toBe(1);
      expect(await b.streamVersion('activity-x')).toBe(1);
      const r = await b.append('activity-y', [activity('y', 'u1', '2024-01-01')]);
      expect(r.positions).toEqual([2]);
      expect((await a.readAll()).events.map((e) => e.position)).toEqual([1, 2]);
    });

    it('never lets both win with the same expected version, and keeps positions gap-free', async () => {
      const path = tmp.file();
      const a = open(path);
      const b = open(path);
      await a.append('unit-c', [event('unit.renamed', { unitId: 'c', name: 'start' }, '2024-01-01')]);
      for (let round = 0; round < 20; round++) {
        // Both read the same version first, so each write races a stale view of the other.
        const [va, vb] = [await a.streamVersion('unit-c'), await b.streamVersion('unit-c')];
        const rename = (s: SqliteEventStore, v: number, who: string) =>
          s.append('unit-c', [event('unit.renamed', { unitId: 'c', name: `${who}${round}` }, '2024-01-01')], {
            expectedVersion: v,
          });
        const results = await Promise.allSettled([
          rename(round % 2 ? a : b, va, 'a'),
          rename(round % 2 ? b : a, vb, 'b'),
          a.append(`activity-r${round}`, [activity(`r${round}`, 'u1', '2024-01-01')]),
        ]);
        expect(results.slice(0, 2).filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(lost.reason).toBeInstanceOf(VersionConflictError);
      }
      expect(await b.streamVersion('unit-c')).toBe(21);
      const positions: number[] = [];
      for await (const e of b.iterate({ pageSize: 7 })) positions.push(e.position);
      expect(positions).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    });

    it('delivers another connection’s appends to a follower by polling', async () => {
      const path = tmp.file();
      const reader = open(path);
      const writer = open(path);
      const seen: StoredEvent[] = [];
      const sub = reader.subscribe({ after: 0, pollIntervalMs: 20, onEvents: (es) => void seen.push(...es) });
      await writer.append('activity-p', [activity('p', 'u1', '2024-01-01')]);
      await sub.caughtUp(1);
      await sub.close();
      expect(seen.map((e) => e.stream)).toEqual(['activity-p']);
    });
  });

  describe('checkpoints', () => {
    it('saves, replaces and loads a projection’s state by name', async () => {
      const store = open();
      expect(await store.loadCheckpoint('totals')).toBeUndefined();
      expect(await store.checkpointPosition('totals')).toBeUndefined();
      await store.appendBatch([
        { stream: 'activity-a', events: [activity('a', 'u1', '2024-01-01')] },
        { stream: 'activity-b', events: [activity('b', 'u1', '2024-01-01')] },
      ]);
      await store.saveCheckpoint('totals', 1, new Uint8Array([1, 2, 3]));
      const bytes = new Uint8Array([9, 8, 7, 6, 5]).subarray(1, 4);
      await store.saveCheckpoint('totals', 2, bytes);
      await store.saveCheckpoint('empty', 0, new Uint8Array());
      expect([await store.checkpointPosition('totals'), await store.checkpointPosition('empty')]).toEqual([
        2, 0,
      ]);
      expect(await store.loadCheckpoint('totals')).toEqual({
        position: 2,
        savedAt: '2024-05-01T03:00:00.000Z',
        state: new Uint8Array([8, 7, 6]),
      });
      expect((await store.loadCheckpoint('empty'))?.state).toEqual(new Uint8Array());
    });

    it('keeps checkpoints across a reopen', async () => {
      const path = tmp.file();
      const store = open(path);
      await store.saveCheckpoint('p', 0, new Uint8Array([42]));
      await store.close();
      const again = open(path);
      expect((await again.loadCheckpoint('p'))?.state).toEqual(new Uint8Array([42]));
    });

    it('stores a checkpoint larger than one part in parts, and a smaller one replacing it in one row', async () => {
      const path = tmp.file();
      const store = SqliteEventStore.open({ path, clock, checkpointPartBytes: 4 });
      const big = Uint8Array.from({ length: 11 }, (_, i) => i + 1);
      await store.saveCheckpoint('p', 0, big.subarray(1));
      const db = new Database(path, { readonly: true });
      const parts = () =>
        db.prepare('SELECT part, length(bytes) FROM checkpoint_parts ORDER BY part').raw().all();
      expect(parts()).toEqual([
        [0, 4],
        [1, 4],
        [2, 2],
      ]);
      expect((await store.loadCheckpoint('p'))?.state).toEqual(big.subarray(1));
      // Exactly one part's worth stays in the row, and the earlier parts are gone.
      await store.saveCheckpoint('p', 0, new Uint8Array([7, 7, 7, 7]));
      expect(parts()).toEqual([]);
      expect((await store.loadCheckpoint('p'))?.state).toEqual(new Uint8Array([7, 7, 7, 7]));
      await store.saveCheckpoint('p', 0, big);
      await store.close();
      // Another process may read with another part size: the stored parts say how to reassemble.
      const again = SqliteEventStore.open({ path, clock });
      expect((await again.loadCheckpoint('p'))?.state).toEqual(big);
      await again.close();
      const writable = new Database(path);
      writable.prepare('DELETE FROM checkpoint_parts WHERE part = 1').run();
      writable.close();
      const damaged = SqliteEventStore.open({ path, clock });
      await expect(damaged.loadCheckpoint('p')).rejects.toThrow(
        "checkpoint 'p' is corrupt: expected parts 0 to 2, found 2",
      );
      await damaged.close();
      db.close();
      expect(() => SqliteEventStore.open({ path, checkpointPartBytes: 0 })).toThrow(RangeError);
    });

    it('keeps a large checkpoint in a file beside the database, and removes the file a save replaces', async () => {
      const path = tmp.file();
      const dir = `${path}-checkpoints`;
      const store = SqliteEventStore.open({ path, clock, checkpointFileBytes: 8 });
      await store.appendBatch([
        { stream: 'activity-a', events: [activity('a', 'u1', '2024-01-01')] },
        { stream: 'activity-b', events: [activity('b', 'u1', '2024-01-01')] },
      ]);
      const first = Uint8Array.from({ length: 16 }, (_, i) => i);
      await store.saveCheckpoint('p', 1, first);
      const files = () => readdirSync(dir).sort();
      expect(files()).toHaveLength(1);
      const db = new Database(path, { readonly: true });
      const row = () =>
        db.prepare("SELECT file, file_bytes, length(state) FROM checkpoints WHERE name = 'p'").raw().get();
      expect(row()).toEqual([files()[0], 16, 0]);
      expect(await store.loadCheckpoint('p')).toEqual({
        position: 1,
        savedAt: '2024-05-01T03:00:00.000Z',
        state: first,
      });
      const second = Uint8Array.from({ length: 20 }, (_, i) => 100 + i);
      await store.saveCheckpoint('p', 2, second);
      expect(files()).toHaveLength(1);
      expect(files()[0]).toBe((row() as unknown[])[0]);
      // A refused save (beyond the head) leaves neither a row change nor a file behind.
      await expect(store.saveCheckpoint('p', 3, first)).rejects.toBeInstanceOf(RangeError);
      expect(files()).toHaveLength(1);
      await store.close();
      const again = SqliteEventStore.open({ path, clock, checkpointFileBytes: 8 });
      expect((await again.loadCheckpoint('p'))?.state).toEqual(second);
      // A small one goes back into the row, and the file goes.
      await again.saveCheckpoint('p', 2, new Uint8Array([1, 2]));
      expect(files()).toEqual([]);
      expect(row()).toEqual([null, null, 2]);
      expect((await again.loadCheckpoint('p'))?.state).toEqual(new Uint8Array([1, 2]));
      await again.close();
      db.close();
    });

    it('sweeps away checkpoint files no row names once they are an hour old, and nothing else', async () => {
      const path = tmp.file();
      const dir = `${path}-checkpoints`;
      const store = SqliteEventStore.open({ path, clock, checkpointFileBytes: 8 });
      await store.saveCheckpoint('p', 0, new Uint8Array(32).fill(1));
      const [ofP] = readdirSync(dir);
      await store.saveCheckpoint('q', 0, new Uint8Array(32).fill(2));
      const [ofQ] = readdirSync(dir).filter((f) => f !== ofP);
      // A crash after the rename, one in the middle of a write, another process's save not yet committed,
      // and a file that is not a checkpoint's.
      const orphan = 'checkpoint-7-1700000000000-0123456789ab.bin';
      const unfinished = 'checkpoint-8-1700000000000-ba9876543210.bin.tmp';
      const young = 'checkpoint-9-1700000000000-aaaaaaaaaaaa.bin';
      const other = 'notes.txt';
      for (const f of [orphan, unfinished, young, other]) writeFileSync(`${dir}/${f}`, 'x');
      const twoHoursAgo = (Date.now() - 2 * 3600_000) / 1000;
      for (const f of [orphan, unfinished, other]) utimesSync(`${dir}/${f}`, twoHoursAgo, twoHoursAgo);
      // An old file a row still names stays too; p's goes because its save replaced it.
      utimesSync(`${dir}/${ofQ}`, twoHoursAgo, twoHoursAgo);
      await store.saveCheckpoint('p', 0, new Uint8Array(4));
      expect(readdirSync(dir).sort()).toEqual([ofQ!, other, young].sort());
      expect((await store.loadCheckpoint('q'))?.state).toEqual(new Uint8Array(32).fill(2));
      await store.close();
    });

    it('reports a checkpoint file that is cut short or gone as corrupt, so the ledger refolds', async () => {
      const path = tmp.file();
      const dir = `${path}-checkpoints`;
      const store = SqliteEventStore.open({ path, clock, checkpointFileBytes: 8 });
      await store.saveCheckpoint('p', 0, new Uint8Array(32).fill(7));
      const [file] = readdirSync(dir);
      truncateSync(`${dir}/${file}`, 31);
      await expect(store.loadCheckpoint('p')).rejects.toThrow(
        `checkpoint 'p' is corrupt: its file ${file} holds 31 bytes, expected 32`,
      );
      rmSync(`${dir}/${file}`);
      await expect(store.loadCheckpoint('p')).rejects.toThrow(
        `checkpoint 'p' is corrupt: its file ${file} is missing`,
      );
      await store.close();
    });

    it('reads a checkpoint file in parts, as one that fs.readFile would refuse (over 2 GiB) is read', async () => {
      const dir = tmp.file();
      const files = new CheckpointFiles(dir, 0, false, 7);
      const state = Uint8Array.from({ length: 100 }, (_, i) => (i * 37) & 255);
      const file = await files.write(3, state);
      expect(await files.read('p', file, 100)).toEqual(state);
      await expect(files.read('p', file, 101)).rejects.toThrow(
        `checkpoint 'p' is corrupt: its file ${file} holds 100 bytes, expected 101`,
      );
      expect(await files.read('p', 'checkpoint-gone.bin', 100)).toBeUndefined();
    });

    it('keeps every checkpoint of an in-memory database in the database', async () => {
      const store = SqliteEventStore.open({ path: ':memory:', clock, checkpointFileBytes: 0 });
      await store.saveCheckpoint('p', 0, new Uint8Array([5, 6]));
      expect((await store.loadCheckpoint('p'))?.state).toEqual(new Uint8Array([5, 6]));
      await store.close();
    });

    it('refuses a checkpoint beyond the head or at an impossible position', async () => {
      const store = open();
      await expect(store.saveCheckpoint('p', 1, new Uint8Array())).rejects.toBeInstanceOf(RangeError);
      await expect(store.saveCheckpoint('p', -1, new Uint8Array())).rejects.toBeInstanceOf(RangeError);
      await expect(store.saveCheckpoint('p', 0.5, new Uint8Array())).rejects.toBeInstanceOf(RangeError);
      expect(await store.loadCheckpoint('p')).toBeUndefined();
    });
  });

  describe('closing', () => {
    it('refuses every call afterwards, and a second close is harmless', async () => {
      const store = open();
      await store.close();
      await store.close();
      expect(() => store.headSync()).toThrow(StoreClosedError);
      await expect(store.append('activity-a', [activity('a', 'u1', '2024-01-01')])).rejects.toBeInstanceOf(
        StoreClosedError,
      );
      await expect(store.readAll()).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.loadCheckpoint('p')).rejects.toBeInstanceOf(StoreClosedError);
      expect(() => store.subscribe({ after: 0, onEvents: () => undefined })).toThrow(StoreClosedError);
    });

    it('stops its followers instead of leaving them polling a closed file', async () => {
      const store = open();
      const errors: unknown[] = [];
      const sub = store.subscribe({
        after: 0,
        pollIntervalMs: 5,
        onEvents: () => undefined,
        onError: (e) => errors.push(e),
      });
      await store.append('activity-a', [activity('a', 'u1', '2024-01-01')]);
      await sub.caughtUp(1);
      await store.close();
      await new Promise((r) => setTimeout(r, 40));
      expect(errors).toEqual([]);
      await sub.close();
    });
  });
});
