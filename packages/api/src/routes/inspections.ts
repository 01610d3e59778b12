import { describeInspection, listInspections } from '@chitieu/core';
import { Hono } from 'hono';
import type { AppEnv, Deps } from '../context.ts';
import { readRoute } from './read-route.ts';

/** Recorded inspections: who inspected whom, when, the window examined and the findings. */
export const inspectionRoutes = (deps: Deps) => {
  const r = new Hono<AppEnv>();
  const { ledger } = deps;

  r.get(
    '/v1/inspections',
    readRoute(deps, [], ({ principal, knownAt }) => ({
      answer: async () => {
        const engine = await ledger.engineAt(knownAt);
        // A token confined to a unit sees the inspections its subtree carried out.
        const inspections = listInspections(engine).filter((i) =>
          deps.scopes.covers(engine, principal, i.inspectingUnitId),
        );
        return { body: { position: engine.position, inspections }, position: engine.position };
      },
    })),
  );

  r.get(
    '/v1/inspections/:id',
    readRoute(deps, [], ({ param, principal, knownAt }) => ({
      check: () =>
        deps.scopes.assertCovers(
          ledger.engine,
          principal,
          describeInspection(ledger.engine, param('id')).inspectingUnitId,
        ),
      answer: async () => {
        const engine = await ledger.engineAt(knownAt);
        const inspection = describeInspection(engine, param('id'));
        return { body: inspection, position: engine.position };
      },
    })),
  );

  return r;
};
