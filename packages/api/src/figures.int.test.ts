import { fixedClock, type IndicatorQuery, Ledger, MemoryEventStore, type TargetQuery } from '@chitieu/core';
import { sequentialIds } from '@chitieu/core/testing';
import { computeFigure, type FigureReader, figureMatches, figures, fixtureWrites } from '@chitieu/fixtures';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { loadFixturesIfEmpty } from './load-fixtures.ts';
import { indicatorPath } from './testing/spawn-server.ts';

/**
 * Every figure of the seed documents through the HTTP API, computed by the same code as through the core
 * (`computeFigure` from the fixtures): the API adds auth, caching and suppression, and must not change a
 * number, a verdict or a date.
 */
const clock = fixedClock('2026-01-01T00:00:00Z');
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  const store = new MemoryEventStore({ clock, newId: sequentialIds() });
  const ledger = await Ledger.open({ store, clock, follow: false });
  await loadFixturesIfEmpty(ledger, fixtureWrites());
  app = createApp({ ledger, clock, auth: { openReads: true } });
}, 60_000);

const get = async <T>(path: string): Promise<T> => {
  const res = await app.request(path);
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
  return (await res.json()) as T;
};

/** The figures manifest's reader, over HTTP. */
const overHttp: FigureReader = {
  indicator: (q: IndicatorQuery) => get(indicatorPath(q)),
  target: (q: TargetQuery) => {
    const params = new URLSearchParams();
    if (q.asOf) params.set('asOf', q.asOf);
    if (q.view) params.set('view', q.view);
    if (q.knownAt !== undefined) params.set('knownAt', String(q.knownAt));
    const qs = params.size > 0 ? `?${params}` : '';
    return get(
      `/v1/directives/${encodeURIComponent(q.directive)}/targets/${encodeURIComponent(q.targetId)}${qs}`,
    );
  },
  inspection: (id) => get(`/v1/inspections/${encodeURIComponent(id)}`),
};

describe('the seed figures through the API', () => {
  it.each(figures.map((f) => [f.id, f] as const))('%s', async (_, f) => {
    const got = await computeFigure(overHttp, f);
    expect(
      figureMatches(f, got),
      `${f.id}: expected ${JSON.stringify(f.expected)}, got ${JSON.stringify(got)}`,
    ).toBe(true);
  });
});
