import { fixedClock, Ledger, MemoryEventStore } from '@chitieu/core';
import { sequentialIds } from '@chitieu/core/testing';
import { figures, fixtureWrites } from '@chitieu/fixtures';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { loadFixturesIfEmpty } from './load-fixtures.ts';
import { indicatorPath } from './testing/spawn-server.ts';

/**
 * Every figure of the seed documents that one indicator query answers comes out the same through the HTTP
 * API as through the core: the API adds auth, caching and suppression, and must not change a number.
 */
const clock = fixedClock('2026-01-01T00:00:00Z');
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  const store = new MemoryEventStore({ clock, newId: sequentialIds() });
  const ledger = await Ledger.open({ store, clock, follow: false });
  await loadFixturesIfEmpty(ledger, fixtureWrites());
  app = createApp({ ledger, clock, auth: { openReads: true } });
}, 60_000);

const indicatorFigures = figures.flatMap((f) =>
  'indicator' in f.query ? [[f.id, f.query.indicator, f] as const] : [],
);

describe('the seed figures through the API', () => {
  it.each(indicatorFigures)('%s', async (_, query, f) => {
    const res = await app.request(indicatorPath(query));
    expect(res.status).toBe(200);
    const value = ((await res.json()) as { value: number | null }).value;
    expect(value).not.toBeNull();
    expect(Math.abs(value! - (f.expected as number))).toBeLessThanOrEqual(f.tolerance ?? 0);
  });
});
