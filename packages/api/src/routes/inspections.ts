import { describeInspection, listInspections } from '@chitieu/core';
import { Hono } from 'hono';
import { requireScope } from '../auth/principal.ts';
import type { AppEnv, Deps } from '../context.ts';
import { notModified, setCaching } from '../http/caching.ts';
import { knownAtParam, onlyKnown, queryParams } from '../http/query.ts';
import { freshnessAfter, freshnessBefore } from './freshness.ts';

/** Recorded inspections: who inspected whom, when, the window examined and the findings. */
export const inspectionRoutes = (deps: Deps) => {
  const r = new Hono<AppEnv>();
  const { ledger, clock } = deps;

  r.get('/v1/inspections', async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'read');
    const params = queryParams(c.req.url);
    onlyKnown(params, ['knownAt']);
    const knownAt = knownAtParam(params);
    const before = freshnessBefore(ledger, knownAt);
    const hit = notModified(c, clock, before);
    if (hit) return hit;
    const engine = await ledger.engineAt(knownAt);
    // A token confined to a unit sees the inspections its subtree carried out.
    const inspections = listInspections(engine).filter((i) =>
      deps.scopes.covers(engine, principal, i.inspectingUnitId),
    );
    setCaching(c, clock, freshnessAfter(before, knownAt, engine.position));
    return c.json({ position: engine.position, inspections });
  });

  r.get('/v1/inspections/:id', async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'read');
    const params = queryParams(c.req.url);
    onlyKnown(params, ['knownAt']);
    const knownAt = knownAtParam(params);
    const before = freshnessBefore(ledger, knownAt);
    const hit = notModified(c, clock, before);
    if (hit) return hit;
    const engine = await ledger.engineAt(knownAt);
    const inspection = describeInspection(engine, c.req.param('id'));
    deps.scopes.assertCovers(engine, principal, inspection.inspectingUnitId);
    setCaching(c, clock, freshnessAfter(before, knownAt, engine.position));
    return c.json(inspection);
  });

  return r;
};
