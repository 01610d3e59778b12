import { dateFromDay, dayFromDate, dayOfInstant, describeUnit, unitTree, viewIndex } from '@chitieu/core';
import { Hono } from 'hono';
import type { AppEnv, Deps } from '../context.ts';
import { dateParam, viewParam } from '../http/query.ts';
import { readRoute } from './read-route.ts';

/** The unit tree on a date, and one unit with its history. */
export const unitRoutes = (deps: Deps) => {
  const r = new Hono<AppEnv>();
  const { ledger, clock } = deps;

  r.get(
    '/v1/units',
    readRoute(deps, ['asOf', 'view', 'root'], ({ principal, params, knownAt }) => {
      const asOf = dateParam(params, 'asOf');
      const view = viewParam(params) ?? 'as-was';
      // A token confined to a unit sees the tree from that unit down.
      const root = params.get('root') ?? principal.unit;
      return {
        check: () => deps.scopes.assertCovers(ledger.engine, principal, root),
        answer: async () => {
          const engine = await ledger.engineAt(knownAt);
          const day = asOf === undefined ? dayOfInstant(clock.now()) : dayFromDate(asOf);
          const units = unitTree(engine, day, viewIndex(view), root);
          return {
            body: { asOf: dateFromDay(day), view, position: engine.position, units },
            position: engine.position,
          };
        },
      };
    }),
  );

  r.get(
    '/v1/units/:id',
    readRoute(deps, [], ({ param, principal, knownAt }) => ({
      check: () => deps.scopes.assertCovers(ledger.engine, principal, param('id')),
      answer: async () => {
        const engine = await ledger.engineAt(knownAt);
        return {
          body: { ...describeUnit(engine, param('id')), position: engine.position },
          position: engine.position,
        };
      },
    })),
  );

  return r;
};
