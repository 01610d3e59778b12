import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteEventStore } from './sqlite-event-store.ts';
import { spawnScript } from './testing/spawn-script.ts';
import { tempDir } from './testing/temp-dir.ts';

const tmp = tempDir('sqlite-durability');
afterAll(() => tmp.remove());

const BATCH = 100;

/** Runs the append loop until `ackedBefore` batches are acknowledged, waits `delayMs` more, then SIGKILLs it. */
const appendUntilKilled = async (path: string, ackedBefore: number, delayMs: number) => {
  const { child, lines, exited } = spawnScript('./append-loop.ts', [path, String(BATCH)]);
  const acked = new Map<number, number[]>();
  try {
    for await (const line of lines) {
      const [batch, positions] = line.split(' ');
      acked.set(Number(batch), JSON.parse(positions!) as number[]);
      if (acked.size === ackedBefore) setTimeout(() => child.kill('SIGKILL'), delayMs);
    }
  } finally {
    child.kill('SIGKILL');
  }
  const exit = await exited;
  expect(exit.signal, exit.stderr).toBe('SIGKILL');
  return acked;
};

describe('durability of acknowledged appends (child process killed with SIGKILL)', () => {
  it.each([
    [1, 0],
    [5, 1],
    [20, 0],
    [40, 3],
  ])(
    'after %i acknowledged batches (+%i ms): keeps every one, no partial batch, no gap',
    async (n, delayMs) => {
      const path = tmp.file();
      const acked = await appendUntilKilled(path, n, delayMs);
      expect(acked.size).toBeGreaterThanOrEqual(n);

      const check = new Database(path);
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      check.close();

      const store = SqliteEventStore.open({ path });
      try {
        const head = await store.head();
        const byBatch = new Map<number, number[]>();
        const positions: number[] = [];
        for await (const e of store.iterate({ pageSize: 1_000 })) {
          positions.push(e.position);
          const batch = Number(e.meta?.correlationId?.replace('batch-', ''));
          byBatch.set(batch, [...(byBatch.get(batch) ?? []), e.position]);
        }
        expect(positions).toEqual(Array.from({ length: head }, (_, i) => i + 1));
        for (const [batch, stored] of byBatch) expect(stored, `batch ${batch}`).toHaveLength(BATCH);
        // Batches are appended one after another, so what survived is 0..m with no hole.
        expect([...byBatch.keys()]).toEqual([...byBatch.keys()].map((_, i) => i));
        for (const [batch, expected] of acked)
          expect(byBatch.get(batch), `acknowledged batch ${batch}`).toEqual(expected);
        // At most the batch in flight when the kill landed committed without its acknowledgement being read.
        expect(byBatch.size - acked.size).toBeLessThanOrEqual(1);
        const next = await store.append('activity-after', [
          {
            type: 'activity.recorded',
            occurredAt: '2024-01-02',
            data: { activityId: 'after', unitId: 'u1', kind: 'article' },
          },
        ]);
        expect(next.positions).toEqual([head + 1]);
      } finally {
        await store.close();
      }
    },
  );
});
