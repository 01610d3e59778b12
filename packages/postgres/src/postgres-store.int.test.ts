import { VersionConflictError } from '@chitieu/core';
import { activity, event, sequentialIds } from '@chitieu/core/testing';
import { Client } from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresEventStore } from './postgres-store.ts';
import { LOCK_APPEND, schemaNames } from './schema-name.ts';
import type { SqlClient } from './sql-client.ts';
import { node, postgresStoreSuite, sleep } from './store-suite.ts';
import { NO_SERVER, serverDatabase, shared, TEST_DATABASE_URL, type TestDatabase } from './test-database.ts';

/**
 * On a real server (CHITIEU_TEST_DATABASE_URL): the suite postgres-store.test.ts runs on PGlite, then
 * what only a server can show, several nodes racing. Each node is a store with a connection pool of its
 * own, as separate API processes would have; PGlite is one connection, so nothing races there.
 */
const server = TEST_DATABASE_URL === undefined ? undefined : shared(() => serverDatabase(TEST_DATABASE_URL!));

if (server) postgresStoreSuite('a server', server);
else {
  describe.skip(`PostgresEventStore on a server (${NO_SERVER})`, () => {
    it('passes the contract and the PostgreSQL suite on a real server', () => undefined);
  });
}

describe.skipIf(server === undefined)(
  `PostgreSQL nodes racing on a server${server ? '' : ` (${NO_SERVER})`}`,
  () => {
    const database = server!;

    it('never lets a reader racing many writers see a gap, even one that later fills', async () => {
      const db: TestDatabase = await database();
      const schema = db.schema();
      const writers = await Promise.all([0, 1].map(() => node(db.connect({ poolSize: 4 }), schema)));
      const reader = await node(db.connect({ poolSize: 1 }), schema);
      const WRITERS = 8;
      const BATCHES = 20;
      let finished = false;
      const observed: number[] = [];
      const violations: string[] = [];
      const reading = (async () => {
        let after = 0;
        for (;;) {
          // Read the flag before the page: an empty page read after every writer finished is the end.
          const last = finished;
          const page = await reader.readAll({ after, limit: 7 });
          page.events.forEach((e, i) => {
            if (e.position !== after + i + 1) violations.push(`after ${after} got ${e.position} at ${i}`);
          });
          if (page.head < page.next) violations.push(`head ${page.head} behind ${page.next}`);
          observed.push(...page.events.map((e) => e.position));
          after = page.next;
          if (last && page.events.length === 0) return after;
        }
      })();
      let written = 0;
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          const store = writers[w % writers.length]!;
          let version = 0;
          for (let b = 0; b < BATCHES; b++) {
            const renames = 1 + ((w + b) % 3);
            const renamed = Array.from({ length: renames }, (_, k) =>
              event('unit.renamed', { unitId: `w${w}`, name: `b${b}k${k}` }, '2024-01-01'),
            );
            await store.appendBatch([
              { stream: `unit-w${w}`, events: renamed, expectedVersion: version },
              { stream: `activity-w${w}b${b}`, events: [activity(`w${w}b${b}`, 'u1', '2024-01-01')] },
            ]);
            version += renames;
            written += renames + 1;
          }
        }),
      );
      finished = true;
      const end = await reading;
      expect(violations).toEqual([]);
      expect(end).toBe(written);
      expect(observed).toEqual(Array.from({ length: written }, (_, i) => i + 1));
      const all: number[] = [];
      for await (const e of reader.iterate()) all.push(e.position);
      expect(all).toEqual(observed);
      expect(await reader.head()).toBe(written);
      await Promise.all([...writers, reader].map((s) => s.close()));
    });

    it('lets exactly one of many writers on different connections win the same expected version', async () => {
      const db = await database();
      const schema = db.schema();
      const nodes = await Promise.all([0, 1, 2].map(() => node(db.connect({ poolSize: 3 }), schema)));
      await nodes[0]!.append('unit-c', [event('unit.renamed', { unitId: 'c', name: 'start' }, '2024-01-01')]);
      for (let round = 0; round < 5; round++) {
        const version = await nodes[0]!.streamVersion('unit-c');
        const results = await Promise.allSettled(
          Array.from({ length: 9 }, (_, w) =>
            nodes[w % nodes.length]!.append(
              'unit-c',
              [event('unit.renamed', { unitId: 'c', name: `r${round}w${w}` }, '2024-01-01')],
              { expectedVersion: version },
            ),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(VersionConflictError);
        }
        expect(await nodes[1]!.streamVersion('unit-c')).toBe(version + 1);
      }
      expect(await nodes[2]!.head()).toBe(6);
      await Promise.all(nodes.map((n) => n.close()));
    });

    it('listens again after its notification connection is killed, and wakes followers', async () => {
      const db = await database();
      const schema = db.schema();
      const writer = await node(db.connect({ poolSize: 1 }), schema);
      const follower = await node(db.connect({ poolSize: 1, reconnectMs: 50 }), schema);
      expect(await follower.listening()).toBe(true);
      const listeners = () =>
        db.client.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = $1`,
          [`LISTEN "${schemaNames(schema).channel}"`],
        );
      const [killed] = await listeners();
      const arrivals: number[] = [];
      const sub = follower.subscribe({
        after: 0,
        pollIntervalMs: 5_000,
        onEvents: (es) => void arrivals.push(...es.map(() => Date.now())),
      });
      await db.client.query('SELECT pg_terminate_backend($1)', [killed!.pid]);
      for (let i = 0; i < 100; i++) {
        const now = await listeners();
        if (now.length === 1 && now[0]!.pid !== killed!.pid) break;
        await sleep(20);
      }
      const sentAt = Date.now();
      await writer.append('activity-a', [activity('a', 'u1', '2024-01-01')]);
      while (arrivals.length === 0 && Date.now() - sentAt < 4_000) await sleep(10);
      await sub.close();
      expect(arrivals).toHaveLength(1);
      expect(arrivals[0]! - sentAt).toBeLessThan(1_000);
      await Promise.all([writer.close(), follower.close()]);
    });

    it('re-decides an append that collides with a writer bypassing the lock, into the outcome it deserves', async () => {
      const db = await database();
      const schema = db.schema();
      const base = db.connect({ poolSize: 2 });
      let intrude: (() => Promise<unknown>) | undefined;
      // Commits a foreign row from another connection just before the store's insert, as a writer that
      // ignores the append lock would.
      const meddling: SqlClient = {
        ...base,
        transaction: (work) =>
          base.transaction((tx) =>
            work({
              query: async <R>(text: string, params?: readonly unknown[]) => {
                const before = intrude;
                if (before && text.includes('INSERT INTO')) {
                  intrude = undefined;
                  await before();
                }
                return tx.query<R>(text, params);
              },
            }),
          ),
      };
      const store = await node(meddling, schema);
      const foreign = (position: number, id: string) => () =>
        db.client.query(
          `INSERT INTO "${schema}".events (position, id, stream, version, type, schema_version, occurred_at,
                                          recorded_at, data)
           VALUES ($1::bigint, $2, 'activity-x' || $1::bigint, 1, 'activity.recorded', 2, '2024-01-01', '2024-01-01T00:00:00.000Z',
                   jsonb_build_object('activityId', 'x' || $1::bigint, 'unitId', 'u1', 'kind', 'article', 'quantity', 1))`,
          [position, id],
        );
      const ids = sequentialIds(Date.UTC(2024, 0, 1), 5);
      intrude = foreign(1, ids());
      expect((await store.append('activity-a', [activity('a', 'u1', '2024-01-01')])).positions).toEqual([2]);
      const reused = ids();
      intrude = foreign(3, reused);
      await expect(
        store.append('activity-b', [activity('b', 'u1', '2024-01-01', {}, { id: reused })]),
      ).rejects.toMatchObject({ code: 'id_reused', reason: 'different_content', position: 3 });
      expect((await store.readAll()).events.map((e) => e.stream)).toEqual([
        'activity-x1',
        'activity-a',
        'activity-x3',
      ]);
      await store.close();
    });

    it('gives up on an append stuck behind the lock after the statement timeout', async () => {
      const db = await database();
      const schema = db.schema();
      const store = await PostgresEventStore.open({
        connectionString: TEST_DATABASE_URL!,
        poolSize: 2,
        statementTimeoutMs: 300,
        schema,
        newId: sequentialIds(),
      });
      const blocker = new Client({ connectionString: TEST_DATABASE_URL! });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_APPEND, schema]);
        const started = Date.now();
        await expect(store.append('activity-a', [activity('a', 'u1', '2024-01-01')])).rejects.toMatchObject({
          code: '57014',
        });
        expect(Date.now() - started).toBeLessThan(3_000);
        await blocker.query('ROLLBACK');
        expect((await store.append('activity-a', [activity('a', 'u1', '2024-01-01')])).positions).toEqual([
          1,
        ]);
      } finally {
        await blocker.end();
        await store.close();
      }
    });
  },
);
