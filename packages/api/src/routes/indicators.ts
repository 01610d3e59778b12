import {
  type EventStore,
  INDICATOR_NAMES,
  type IndicatorName,
  indicatorCatalogue,
  NotFoundError,
  type StoredEvent,
} from '@chitieu/core';
import { Hono } from 'hono';
import { requireScope } from '../auth/principal.ts';
import type { AppEnv, Deps } from '../context.ts';
import { notModified, setCaching } from '../http/caching.ts';
import { indicatorCsv } from '../http/csv.ts';
import { decodeCursor, encodeCursor } from '../http/cursor.ts';
import { negotiate } from '../http/negotiate.ts';
import { intParam, queryParams } from '../http/query.ts';
import { indicatorQueryFrom } from '../indicator-query.ts';
import { redactEvent } from '../privacy/redact.ts';
import { suppressIndicator } from '../privacy/suppress.ts';
import { freshnessAfter, freshnessBefore } from './freshness.ts';

const CSV = 'text/csv';

/** The indicator's name from the path; a 404 for a name the catalogue does not hold. */
const indicatorName = (name: string): IndicatorName => {
  if (!(INDICATOR_NAMES as readonly string[]).includes(name)) {
    throw new NotFoundError('indicator', name, `no indicator '${name}'; see GET /v1/indicators`);
  }
  return name as IndicatorName;
};

/** Reads the events at the given (ascending) positions, one read per run of consecutive positions. */
const readPositions = async (store: EventStore, positions: readonly number[]): Promise<StoredEvent[]> => {
  const out: StoredEvent[] = [];
  let i = 0;
  while (i < positions.length) {
    let j = i;
    while (j + 1 < positions.length && positions[j + 1] === positions[j]! + 1) j++;
    const page = await store.readAll({ after: positions[i]! - 1, limit: j - i + 1 });
    out.push(...page.events);
    i = j + 1;
  }
  return out;
};

/** The catalogue, figures and their drill-down. */
export const indicatorRoutes = (deps: Deps) => {
  const r = new Hono<AppEnv>();
  const { ledger, clock, suppression, limits } = deps;

  r.get('/v1/indicators', (c) => {
    requireScope(c.get('principal'), 'read');
    // The catalogue is code, not data: its answer never depends on the log.
    const freshness = { position: 0 };
    const hit = notModified(c, clock, freshness);
    if (hit) return hit;
    setCaching(c, clock, freshness);
    return c.json({ indicators: indicatorCatalogue() });
  });

  r.get('/v1/indicators/:name', async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'read');
    const name = indicatorName(c.req.param('name'));
    const params = queryParams(c.req.url);
    const query = indicatorQueryFrom(name, params);
    deps.scopes.assertCovers(ledger.engine, principal, query.unit);
    const format = negotiate(c.req.header('Accept'), ['application/json', CSV]);
    const before = freshnessBefore(ledger, query.knownAt);
    const hit = notModified(c, clock, before);
    if (hit) return hit;
    const result = suppressIndicator(await ledger.indicator(query), suppression);
    setCaching(c, clock, freshnessAfter(before, query.knownAt, result.position));
    if (format === CSV) {
      c.header('Content-Type', `${CSV}; charset=utf-8; header=present`);
      c.header('Content-Disposition', `inline; filename="${name}.csv"`);
      return c.body(indicatorCsv(result));
    }
    return c.json(result);
  });

  r.get('/v1/indicators/:name/explain', async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'read');
    const name = indicatorName(c.req.param('name'));
    const params = queryParams(c.req.url);
    const query = indicatorQueryFrom(name, params, ['after', 'limit']);
    const after = params.has('after') ? decodeCursor(params.get('after')!) : 0;
    const limit = intParam(params, 'limit', { min: 1, max: limits.maxPageSize, fallback: limits.pageSize })!;
    deps.scopes.assertCovers(ledger.engine, principal, query.unit);
    const before = freshnessBefore(ledger, query.knownAt);
    const hit = notModified(c, clock, before);
    if (hit) return hit;
    const explanation = await ledger.explain(query);
    const result = suppressIndicator(explanation.result, suppression);
    // Positions ascend (log order), so a cursor is the last position served.
    const remaining = explanation.positions.filter((p) => p > after);
    const page = remaining.slice(0, limit);
    const events = await readPositions(ledger.store, page);
    setCaching(c, clock, freshnessAfter(before, query.knownAt, result.position));
    return c.json({
      result,
      rows: result.rows ?? [],
      events: events.map(redactEvent),
      eventCount: explanation.positions.length,
      next: page.length > 0 ? encodeCursor(page.at(-1)!) : null,
      hasMore: remaining.length > page.length,
    });
  });

  return r;
};
