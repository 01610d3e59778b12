import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { VersionConflictError } from '@chitieu/core';
import { SqliteEventStore } from '../sqlite-event-store.ts';

/**
 * A child process for the cross-process concurrency test: waits for `go` on stdin, then `attempts` times reads
 * the version of `unit-c` and renames it with that expected version, printing `win <version>` or
 * `lose <version>`; between attempts it appends to its own stream with no expectation, to interleave positions.
 * Usage: race-writer.ts <db path> <name> <attempts>
 */
const [path, name, attempts] = process.argv.slice(2);
if (path === undefined || name === undefined || attempts === undefined) {
  throw new Error('usage: race-writer.ts <db path> <name> <attempts>');
}
const store = SqliteEventStore.open({ path, busyTimeoutMs: 20_000 });
writeSync(1, 'ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === 'go') break;
lines.close();

for (let i = 0; i < Number(attempts); i++) {
  const version = await store.streamVersion('unit-c');
  try {
    await store.append(
      'unit-c',
      [{ type: 'unit.renamed', occurredAt: '2024-01-01', data: { unitId: 'c', name: `${name}-${i}` } }],
      { expectedVersion: version },
    );
    writeSync(1, `win ${version}\n`);
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error;
    writeSync(1, `lose ${version}\n`);
  }
  const activityId = `${name}-${i}`;
  await store.append(`activity-${activityId}`, [
    {
      type: 'activity.recorded',
      occurredAt: '2024-01-01',
      data: { activityId, unitId: 'u1', kind: 'article' },
    },
  ]);
}
await store.close();
