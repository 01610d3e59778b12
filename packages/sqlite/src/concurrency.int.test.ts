import { afterAll, describe, expect, it } from 'vitest';
import { SqliteEventStore } from './sqlite-event-store.ts';
import { spawnScript } from './testing/spawn-script.ts';
import { tempDir } from './testing/temp-dir.ts';

const tmp = tempDir('sqlite-concurrency');
afterAll(() => tmp.remove());

const WRITERS = 4;
const ATTEMPTS = 60;

describe('writers in several processes on one file', () => {
  it('never lets two of them win with the same expected version, and keeps positions gap-free', async () => {
    const path = tmp.file();
    const setup = SqliteEventStore.open({ path });
    await setup.append('unit-c', [
      { type: 'unit.renamed', occurredAt: '2024-01-01', data: { unitId: 'c', name: 'start' } },
    ]);
    await setup.close();

    const writers = Array.from({ length: WRITERS }, (_, w) =>
      spawnScript('./race-writer.ts', [path, `w${w}`, String(ATTEMPTS)]),
    );
    const outputs = writers.map(async ({ lines }) => {
      const out: string[] = [];
      for await (const line of lines) out.push(line);
      return out;
    });
    try {
      // Start them together so their attempts overlap.
      await Promise.all(
        writers.map(
          ({ lines }) =>
            new Promise<void>((resolve) => lines.once('line', (l) => l === 'ready' && resolve())),
        ),
      );
      for (const { child } of writers) child.stdin.write('go\n');
      const exits = await Promise.all(writers.map((w) => w.exited));
      for (const exit of exits) expect(exit.code, exit.stderr).toBe(0);
    } finally {
      for (const { child } of writers) child.kill('SIGKILL');
    }

    const lines = (await Promise.all(outputs)).flat().filter((l) => l !== 'ready');
    expect(lines).toHaveLength(WRITERS * ATTEMPTS);
    const wins = lines.filter((l) => l.startsWith('win ')).map((l) => Number(l.slice(4)));
    const losses = lines.filter((l) => l.startsWith('lose '));
    expect(new Set(wins).size).toBe(wins.length);
    expect(losses.length).toBeGreaterThan(0);

    const store = SqliteEventStore.open({ path });
    try {
      expect(await store.streamVersion('unit-c')).toBe(1 + wins.length);
      const stream = await store.readStream('unit-c');
      expect(stream.map((e) => e.version)).toEqual(stream.map((_, i) => i + 1));
      const head = await store.head();
      expect(head).toBe(1 + wins.length + WRITERS * ATTEMPTS);
      const positions: number[] = [];
      for await (const e of store.iterate()) positions.push(e.position);
      expect(positions).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    } finally {
      await store.close();
    }
  });
});
