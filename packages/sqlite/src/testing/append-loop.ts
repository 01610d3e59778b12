import { writeSync } from 'node:fs';
import { SqliteEventStore } from '../sqlite-event-store.ts';

/**
 * A child process for the durability test: appends batches of `size` activities, each batch tagged with its
 * number in meta.correlationId, and prints `<batch> <positions as JSON>` only after the append resolved,
 * until it is killed. Usage: append-loop.ts <db path> <batch size>
 */
const [path, size] = process.argv.slice(2);
if (path === undefined || size === undefined) throw new Error('usage: append-loop.ts <db path> <batch size>');
const store = SqliteEventStore.open({ path });

for (let batch = 0; ; batch++) {
  const writes = Array.from({ length: Number(size) }, (_, i) => {
    const activityId = `b${batch}-${i}`;
    return {
      stream: `activity-${activityId}`,
      events: [
        {
          type: 'activity.recorded',
          occurredAt: '2024-01-01',
          data: { activityId, unitId: 'u1', kind: 'article', quantity: 1 },
          meta: { correlationId: `batch-${batch}` },
        },
      ],
    };
  });
  const result = await store.appendBatch(writes);
  // writeSync: the line must leave the process before the next batch starts, or a kill could swallow it.
  writeSync(1, `${batch} ${JSON.stringify(result.positions)}\n`);
}
