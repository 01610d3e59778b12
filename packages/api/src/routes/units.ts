import { dateFromDay, dayFromDate, dayOfInstant, describeUnit, unitTree, viewIndex } from '@chitieu/core';
import { Hono } from 'hono';
import { requireScope } from '../auth/principal.ts';
import type { AppEnv, Deps } from '../context.ts';
import { notModified, setCaching } from '../http/caching.ts';
import { dateParam, knownAtParam, onlyKnown, queryParams, viewParam } from '../http/query.ts';
import { freshnessAfter, freshnessBefore } from './freshness.ts';

/** The unit tree on a date, and one unit with its history. */
export const unitRoutes = (deps: Deps) => {
  const r = new Hono<AppEnv>();
  const { ledger, clock } = deps;

  r.get('/v1/units', async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'read');
    const params = queryParams(c.req.url);
    onlyKnown(params, ['asOf', 'view', 'root', 'knownAt']);
    const asOf = dateParam(params, 'asOf');
    const view = viewParam(params) ?? 'as-was';
    const knownAt = knownAtParam(params);
    // A token confined to a unit sees the tree from that unit down.
    const root = params.get('root') ?? principal.unit;
    deps.scopes.assertCovers(ledger.engine, principal, root);
    const before = freshnessBefore(ledger, knownAt);
    const hit = notModified(c, clock, before);
    if (hit) return hit;
    const engine = await ledger.engineAt(knownAt);
    const day = asOf === undefined ? dayOfInstant(clock.now()) : dayFromDate(asOf);
    const units = unitTree(engine, day, viewIndex(view), root);
    setCaching(c, clock, freshnessAfter(before, knownAt, engine.position));
    return c.json({ asOf: dateFromDay(day), view, position: engine.position, units });
  });

  r.get('/v1/units/:id', async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'read');
    const id = c.req.param('id');
    const params = queryParams(c.req.url);
    onlyKnown(params, ['knownAt']);
    const knownAt = knownAtParam(params);
    deps.scopes.assertCovers(ledger.engine, principal, id);
    const before = freshnessBefore(ledger, knownAt);
    const hit = notModified(c, clock, before);
    if (hit) return hit;
    const engine = await ledger.engineAt(knownAt);
    const unit = describeUnit(engine, id);
    setCaching(c, clock, freshnessAfter(before, knownAt, engine.position));
    return c.json({ ...unit, position: engine.position });
  });

  return r;
};
