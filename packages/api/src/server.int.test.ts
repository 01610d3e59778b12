import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { activity } from '@chitieu/core/testing';
import { figures } from '@chitieu/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { hashToken } from './auth/tokens.ts';
import { bundleForNode } from './bundle.ts';
import { indicatorPath, type RunningServer, spawnServer, waitReady } from './testing/spawn-server.ts';

/**
 * The real server, end to end: `node --import tsx src/server.ts` on a free port and a fresh SQLite file. The
 * first start loads the fixtures; a write and a read go over HTTP; SIGTERM lets an in-flight stream finish
 * and exits 0; a second start, bundled as `pnpm start` runs it, finds the data (and does not load the
 * fixtures again).
 */
const dir = mkdtempSync(join(tmpdir(), 'chitieu-api-e2e-'));
const WRITER = 'e2e-writer-token';
const env = {
  CHITIEU_DB: join(dir, 'chitieu.db'),
  CHITIEU_TOKENS: JSON.stringify([{ name: 'e2e', sha256: hashToken(WRITER), scopes: ['read', 'write'] }]),
  CHITIEU_OPEN_READS: '1',
};
const running: RunningServer[] = [];
// Beside `pnpm start`'s dist/server.mjs, at the same depth, and the test's own.
const bundle = `dist/server-test-${process.pid}.mjs`;
afterAll(() => {
  for (const s of running) s.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  rmSync(fileURLToPath(new URL(`../${bundle}`, import.meta.url)), { force: true });
});

const educationTurns = figures.find((f) => f.id === 'soc-trang-35/education-turns')!;
const query = 'indicator' in educationTurns.query ? educationTurns.query.indicator : undefined;
const turnsPath = indicatorPath(query!);

describe('the server process', () => {
  it('starts on a fresh file with the fixtures, serves, shuts down cleanly and keeps its data', async () => {
    const first = await spawnServer(env);
    running.push(first);
    expect(first.records).toContainEqual(
      expect.objectContaining({ msg: 'fixtures loaded into the empty log' }),
    );
    const ready = await waitReady(first.url);
    expect(ready).toMatchObject({ ready: true, lag: 0 });

    const figure = await fetch(`${first.url}${turnsPath}`);
    expect(figure.status).toBe(200);
    expect(((await figure.json()) as { value: number }).value).toBe(educationTurns.expected);

    const appended = await fetch(`${first.url}/v1/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${WRITER}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        events: [activity('e2e-1', query!.unit, '2023-06-15', { kind: 'education', quantity: 100 })],
      }),
    });
    expect(appended.status).toBe(201);
    const { head } = (await appended.json()) as { head: number };
    const after = (await (await fetch(`${first.url}${turnsPath}`)).json()) as {
      value: number;
      position: number;
    };
    expect(after).toMatchObject({ value: (educationTurns.expected as number) + 100, position: head });

    // A large read in flight when SIGTERM arrives must still be served to the end.
    const stream = await fetch(`${first.url}/v1/events`, { headers: { Accept: 'application/x-ndjson' } });
    expect(stream.status).toBe(200);
    first.child.kill('SIGTERM');
    const text = await stream.text();
    expect(text.trimEnd().split('\n')).toHaveLength(head);
    const exit = await first.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(first.records.map((r) => r.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
    expect(first.records).toContainEqual(
      expect.objectContaining({ msg: 'request', method: 'POST', status: 201 }),
    );

    await bundleForNode(
      fileURLToPath(new URL('./server.ts', import.meta.url)),
      fileURLToPath(new URL(`../${bundle}`, import.meta.url)),
    );
    const second = await spawnServer(env, 30_000, [bundle]);
    running.push(second);
    expect(second.records.map((r) => r.msg)).not.toContain('fixtures loaded into the empty log');
    await waitReady(second.url);
    const again = (await (await fetch(`${second.url}${turnsPath}`)).json()) as {
      value: number;
      position: number;
    };
    expect(again).toMatchObject({ value: (educationTurns.expected as number) + 100, position: head });
    // Ctrl-C under `pnpm start` signals the whole group and a wrapper may relay it again: it can come twice.
    second.child.kill('SIGINT');
    while (!second.records.some((r) => r.msg === 'shutting down'))
      await new Promise((done) => setTimeout(done, 5));
    second.child.kill('SIGINT');
    expect(await second.exited).toMatchObject({ code: 0, signal: null });
    expect(second.records.map((r) => r.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
  }, 60_000);

  it('refuses to start with a broken configuration, naming the variable', async () => {
    await expect(spawnServer({ ...env, CHITIEU_DB: join(dir, 'other.db'), PORT: 'eighty' })).rejects.toThrow(
      /PORT/,
    );
  }, 30_000);
});
