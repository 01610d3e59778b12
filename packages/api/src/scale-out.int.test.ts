import { activity, unit } from '@chitieu/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
// The PostgreSQL package's test helper: fresh schemas per run on the test server, dropped afterwards.
import {
  NO_SERVER,
  serverDatabase,
  TEST_DATABASE_URL,
  type TestDatabase,
} from '../../postgres/src/test-database.ts';
import { hashToken } from './auth/tokens.ts';
import { type RunningServer, spawnServer, waitReady } from './testing/spawn-server.ts';

/**
 * Issue 8's promise for the API: two server processes on one PostgreSQL log. A write through one node is
 * visible through the other within a bounded lag (LISTEN/NOTIFY, with polling behind it), and /readyz on
 * the reading node reports it caught up.
 */
const WRITER = 'scale-out-writer';
const running: RunningServer[] = [];
let db: TestDatabase | undefined;
afterAll(async () => {
  for (const s of running) s.child.kill('SIGKILL');
  await Promise.all(running.map((s) => s.exited));
  await db?.dispose();
});

const post = (url: string, events: unknown[]) =>
  fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${WRITER}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ events }),
  });

/** Polls a GET until `ok` holds for its JSON body; returns the body and how long it took. */
const until = async (url: string, ok: (b: Record<string, unknown>) => boolean, timeoutMs = 5_000) => {
  const started = Date.now();
  for (;;) {
    const res = await fetch(url);
    const b = (await res.json()) as Record<string, unknown>;
    if (res.status === 200 && ok(b)) return { body: b, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs)
      throw new Error(`not seen within ${timeoutMs} ms: ${JSON.stringify(b)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.skipIf(TEST_DATABASE_URL === undefined)('two API nodes on one PostgreSQL log', () => {
  it('serves through one node what was written through the other, within a bounded lag', async () => {
    db = await serverDatabase(TEST_DATABASE_URL!);
    const env = {
      CHITIEU_DATABASE_URL: TEST_DATABASE_URL!,
      CHITIEU_DATABASE_SCHEMA: db.schema(),
      CHITIEU_LOAD_FIXTURES: '0',
      CHITIEU_TOKENS: JSON.stringify([
        { name: 'writer', sha256: hashToken(WRITER), scopes: ['read', 'write'] },
      ]),
      CHITIEU_OPEN_READS: '1',
      CHITIEU_POLL_MS: '1000',
      CHITIEU_MAX_LAG: '0',
    };
    // One after the other: the first creates the schema, the second finds it migrated.
    const a = await spawnServer(env);
    running.push(a);
    const b = await spawnServer(env);
    running.push(b);
    await Promise.all([waitReady(a.url), waitReady(b.url)]);

    const written = await post(a.url, [
      unit('tw', 'central', null, { name: 'Trung ương' }),
      unit('tinh-x', 'province', 'tw', { name: 'Tỉnh X' }),
      activity('x-1', 'tinh-x', '2024-03-01', { kind: 'article', quantity: 7 }),
    ]);
    expect(written.status).toBe(201);
    const { head } = (await written.json()) as { head: number };

    const seen = await until(`${b.url}/v1/indicators/turns?unit=tw&period=2024`, (r) => r.value === 7);
    // Far below the 1 s poll interval: the notification, not the poll, carried it.
    expect(seen.ms).toBeLessThan(900);
    expect(seen.body.position).toBe(head);
    const ready = (await (await fetch(`${b.url}/readyz`)).json()) as Record<string, unknown>;
    expect(ready).toMatchObject({ ready: true, head, position: head, lag: 0 });

    // And the other way round, building on what the first node wrote.
    expect(
      (await post(b.url, [activity('x-2', 'tinh-x', '2024-04-01', { kind: 'article', quantity: 5 })])).status,
    ).toBe(201);
    await until(`${a.url}/v1/indicators/turns?unit=tw&period=2024`, (r) => r.value === 12);

    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    const exits = await Promise.all([a.exited, b.exited]);
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
  }, 60_000);
});

describe.skipIf(TEST_DATABASE_URL !== undefined)('two API nodes on one PostgreSQL log (skipped)', () => {
  it.skip(`${NO_SERVER} (e.g. postgresql://postgres@127.0.0.1:5432/test)`, () => undefined);
});
