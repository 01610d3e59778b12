import {
  canonicalJson,
  definitionOf,
  findUnstorable,
  InvalidEventError,
  StoreClosedError,
} from '@chitieu/core';
import { type ContractHarness, eventStoreContract } from '@chitieu/core/contract';
import { activity, event, sequentialIds } from '@chitieu/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from './migrations.ts';
import { PostgresEventStore } from './postgres-store.ts';
import { schemaNames } from './schema-name.ts';
import type { SqlClient } from './sql-client.ts';
import type { TestDatabase } from './test-database.ts';

/** The contract on one database: a fresh schema per store, the same schema again on reopen. */
const harness = (database: () => Promise<TestDatabase>): ContractHarness => {
  const schemas = new WeakMap<object, string>();
  const open = async (
    schema: string,
    options: Parameters<ContractHarness['open']>[0],
    client?: SqlClient,
  ) => {
    const db = await database();
    const store = await PostgresEventStore.open({ client: client ?? db.client, schema, ...options });
    schemas.set(store, schema);
    return store;
  };
  return {
    open: async (options) => open((await database()).schema(), options),
    async reopen(store, options) {
      await store.close();
      // Fresh connections (on a server), so nothing can come from the old ones.
      return open(schemas.get(store)!, options, (await database()).connect({ poolSize: 2 }));
    },
  };
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let namespace = 0;
/** Another API node: a store with connections of its own (on PGlite, the one connection again). */
export const node = (client: SqlClient, schema: string) => {
  namespace += 1;
  return PostgresEventStore.open({ client, schema, newId: sequentialIds(Date.UTC(2024, 4, 1), namespace) });
};

/**
 * Everything the PostgreSQL store must show on one database: core's contract unchanged, then what is
 * particular to PostgreSQL (JSONB, text it cannot store, checkpoints, schemas, notifications, migration).
 */
export const postgresStoreSuite = (name: string, open: () => Promise<TestDatabase>): void => {
  eventStoreContract(`postgres on ${name}`, harness(open));

  describe(`PostgresEventStore on ${name}`, () => {
    let db: TestDatabase;
    const stores: PostgresEventStore[] = [];
    const clock = { now: () => new Date('2024-05-01T03:00:00.000Z') };
    const store = async (
      options: { schema?: string; client?: SqlClient; checkpointPartBytes?: number } = {},
    ) => {
      const s = await PostgresEventStore.open({
        client: options.client ?? db.client,
        schema: options.schema ?? db.schema(),
        clock,
        newId: sequentialIds(Date.UTC(2024, 4, 1), stores.length + 1),
        ...(options.checkpointPartBytes === undefined
          ? {}
          : { checkpointPartBytes: options.checkpointPartBytes }),
      });
      stores.push(s);
      return s;
    };
    const ids = sequentialIds(Date.UTC(2023, 0, 1), 99);

    beforeAll(async () => {
      db = await open();
    });
    afterAll(async () => {
      for (const s of stores) await s.close();
    });

    it('round-trips data and meta through JSONB and still recognises a retry whose keys come in another order', async () => {
      const s = await store();
      const id = ids();
      const first = await s.append('unit-u1', [
        {
          id,
          type: 'unit.registered',
          occurredAt: '2020-01-01',
          data: { unitId: 'u1', parentId: null, name: 'Đoàn xã "Tân Hưng" \\ 1', level: 'grassroots' },
          meta: { source: '15-BC/ĐTN', actor: 'văn phòng', note: 'a' },
        },
      ]);
      const retry = await s.append('unit-u1', [
        {
          meta: { note: 'a', actor: 'văn phòng', source: '15-BC/ĐTN' },
          data: { level: 'grassroots', name: 'Đoàn xã "Tân Hưng" \\ 1', parentId: null, unitId: 'u1' },
          occurredAt: '2020-01-01',
          type: 'unit.registered',
          id,
        },
      ]);
      expect(retry).toMatchObject({ duplicate: true, positions: first.positions });
      const [stored] = await s.readStream('unit-u1');
      expect(stored!.data).toEqual({
        unitId: 'u1',
        parentId: null,
        name: 'Đoàn xã "Tân Hưng" \\ 1',
        level: 'grassroots',
      });
      expect(stored!.meta).toEqual({ source: '15-BC/ĐTN', actor: 'văn phòng', note: 'a' });
    });

    it('keeps any storable JSON value as canonicalJson sees it, whatever order JSONB puts keys in (law)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.jsonValue({ stringUnit: 'binary' }).filter((v) => findUnstorable(v, '').length === 0),
          async (value) => {
            const [row] = await db.client.query<{ out: string }>('SELECT ($1::jsonb)::text AS out', [
              JSON.stringify(value),
            ]);
            expect(canonicalJson(JSON.parse(row!.out))).toBe(canonicalJson(value));
          },
        ),
        { seed: 20_251_123, numRuns: 100, verbose: 1 },
      );
    });

    it('hands back the exact recordedAt string an import carried', async () => {
      const s = await store();
      const row = {
        id: ids(),
        type: 'activity.recorded',
        schemaVersion: definitionOf('activity.recorded').version,
        stream: 'activity-a',
        version: 1,
        position: 1,
        occurredAt: '2023-01-01',
        recordedAt: '2023-01-01T10:00:00.5+07:00',
        data: { activityId: 'a', unitId: 'u1', kind: 'article', quantity: 1 },
      };
      await s.importRows([row]);
      expect((await s.readAll()).events[0]!.recordedAt).toBe('2023-01-01T10:00:00.5+07:00');
    });

    it('rejects text PostgreSQL cannot store as an issue naming the field, writing nothing', async () => {
      const s = await store();
      const error = await s
        .appendBatch([
          { stream: 'activity-ok', events: [activity('ok', 'u1', '2024-01-01')] },
          {
            stream: 'unit-u1',
            events: [event('unit.renamed', { unitId: 'u1', name: 'nul \u0000 here' }, '2024-01-01')],
          },
          {
            stream: 'unit-u2',
            events: [
              event('unit.renamed', { unitId: 'u2', name: 'ok' }, '2024-01-01', { meta: { note: '\ud800' } }),
            ],
          },
        ])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidEventError);
      expect((error as InvalidEventError).issues.map((i) => [i.path, i.rule])).toEqual([
        ['writes.1.events.0.data.name', 'unstorable_text'],
        ['writes.2.events.0.meta.note', 'unstorable_text'],
      ]);
      expect(await s.head()).toBe(0);
    });

    it('saves checkpoints, replacing the earlier one', async () => {
      const s = await store();
      expect(await s.loadCheckpoint('figures')).toBeUndefined();
      expect(await s.checkpointPosition('figures')).toBeUndefined();
      await s.saveCheckpoint('figures', 10, new Uint8Array([1, 2, 255]));
      expect(await s.checkpointPosition('figures')).toBe(10);
      expect(await s.loadCheckpoint('figures')).toEqual({
        name: 'figures',
        position: 10,
        savedAt: '2024-05-01T03:00:00.000Z',
        state: new Uint8Array([1, 2, 255]),
      });
      await s.saveCheckpoint('figures', 12, new Uint8Array([7]));
      expect(await s.checkpointPosition('figures')).toBe(12);
      expect(await s.loadCheckpoint('figures')).toEqual({
        name: 'figures',
        position: 12,
        savedAt: '2024-05-01T03:00:00.000Z',
        state: new Uint8Array([7]),
      });
    });

    it('stores a checkpoint larger than one part in parts, and reads it back whatever its own part size', async () => {
      const schema = db.schema();
      const s = await store({ schema, checkpointPartBytes: 4 });
      const big = Uint8Array.from({ length: 11 }, (_, i) => i + 1);
      await s.saveCheckpoint('p', 0, big.subarray(1));
      const parts = () =>
        db.client.query<{ part: number; n: number }>(
          `SELECT part, length(bytes)::int AS n FROM ${schemaNames(schema).quoted}.checkpoint_parts ORDER BY part`,
        );
      expect(await parts()).toEqual([
        { part: 0, n: 4 },
        { part: 1, n: 4 },
        { part: 2, n: 2 },
      ]);
      expect((await s.loadCheckpoint('p'))?.state).toEqual(big.subarray(1));
      await s.saveCheckpoint('p', 0, new Uint8Array([7, 7, 7, 7]));
      expect(await parts()).toEqual([]);
      expect((await s.loadCheckpoint('p'))?.state).toEqual(new Uint8Array([7, 7, 7, 7]));
      await s.saveCheckpoint('p', 0, big);
      expect((await (await store({ schema })).loadCheckpoint('p'))?.state).toEqual(big);
      await db.client.query(`DELETE FROM ${schemaNames(schema).quoted}.checkpoint_parts WHERE part = 1`);
      await expect(s.loadCheckpoint('p')).rejects.toThrow(
        "checkpoint 'p' is corrupt: expected parts 0 to 2, found 2",
      );
      await expect(store({ checkpointPartBytes: 0 })).rejects.toBeInstanceOf(RangeError);
    });

    it('keeps logs in different schemas of one database apart', async () => {
      const a = await store();
      const b = await store();
      await a.append('activity-a', [activity('a', 'u1', '2024-01-01')]);
      expect([await a.head(), await b.head()]).toEqual([1, 0]);
    });

    it('follows the log by polling when notifications cannot be had', async () => {
      const deaf: SqlClient = { ...db.client, listen: () => Promise.reject(new Error('LISTEN refused')) };
      const schema = db.schema();
      const writer = await store({ schema });
      const reader = await store({ schema, client: deaf });
      const errors: unknown[] = [];
      const seen: number[] = [];
      const sub = reader.subscribe({
        after: 0,
        pollIntervalMs: 20,
        onEvents: (es) => void seen.push(...es.map((e) => e.position)),
        onError: (e) => errors.push(e),
      });
      await writer.append('activity-a', [activity('a', 'u1', '2024-01-01')]);
      await sub.caughtUp(1);
      await sub.close();
      expect(seen).toEqual([1]);
      expect(errors).toEqual([expect.objectContaining({ message: 'LISTEN refused' })]);
      expect(await reader.listening()).toBe(false);
    });

    it('closes its subscriptions when the store closes', async () => {
      const s = await PostgresEventStore.open({ client: db.client, schema: db.schema(), clock, newId: ids });
      const errors: unknown[] = [];
      const sub = s.subscribe({
        after: 0,
        onEvents: () => undefined,
        onError: (e) => errors.push(e),
        pollIntervalMs: 10,
      });
      await s.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(errors).toEqual([]);
      await sub.close();
      await expect(s.head()).rejects.toBeInstanceOf(StoreClosedError);
    });
  });

  describe(`PostgreSQL nodes sharing a log on ${name}`, () => {
    it('wakes a follower on another node by NOTIFY, well within its poll interval', async () => {
      const db = await open();
      const schema = db.schema();
      const writer = await node(db.connect({ poolSize: 2 }), schema);
      const follower = await node(db.connect({ poolSize: 2 }), schema);
      expect(await follower.listening()).toBe(true);
      await writer.append('activity-a', [activity('a', 'u1', '2024-01-01')]);
      const arrivals: { position: number; at: number }[] = [];
      let arrived: (() => void) | undefined;
      const sub = follower.subscribe({
        after: 0,
        // Five seconds: an arrival much sooner than that can only have come from the notification.
        pollIntervalMs: 5_000,
        onEvents: (es) => {
          for (const e of es) arrivals.push({ position: e.position, at: Date.now() });
          arrived?.();
        },
      });
      while (arrivals.length === 0) await sleep(10);
      // Let the follower finish its read after the first page and go to sleep before the second append.
      await sleep(150);
      const second = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const sentAt = Date.now();
      await writer.append('activity-b', [activity('b', 'u1', '2024-01-01')]);
      await second;
      await sub.close();
      expect(arrivals.map((a) => a.position)).toEqual([1, 2]);
      expect(arrivals[1]!.at - sentAt).toBeLessThan(1_000);
      await Promise.all([writer.close(), follower.close()]);
    });

    it('migrates a schema once when several nodes start at the same time', async () => {
      const db = await open();
      const names = schemaNames(db.schema());
      const clients = Array.from({ length: 4 }, () => db.connect({ poolSize: 1 }));
      const runs = await Promise.all(clients.map((c) => migrate(c, names)));
      expect(runs.filter((r) => r.applied.length > 0)).toEqual([
        { applied: MIGRATIONS.map((m) => m.version) },
      ]);
      const nodes = await Promise.all(clients.map((c) => node(c, names.schema)));
      await nodes[0]!.append('activity-a', [activity('a', 'u1', '2024-01-01')]);
      expect(await nodes[3]!.head()).toBe(1);
      const recorded = await db.client.query<{ version: number; n: number }>(
        `SELECT version, count(*)::int AS n FROM ${names.quoted}.schema_migrations GROUP BY version ORDER BY version`,
      );
      expect(recorded).toEqual(MIGRATIONS.map((m) => ({ version: m.version, n: 1 })));
      await Promise.all(nodes.map((n) => n.close()));
    });
  });
};
