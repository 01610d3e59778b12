import {
  type CascadeNode,
  directiveIssuer,
  type Engine,
  listDirectives,
  NotFoundError,
  type TargetEvaluation,
} from '@chitieu/core';
import { Hono } from 'hono';
import { type Principal, requireUnrestricted } from '../auth/principal.ts';
import type { AppEnv, Deps } from '../context.ts';
import { dateParam, viewParam } from '../http/query.ts';
import { countsPeople, suppressTarget } from '../privacy/suppress.ts';
import { type ReadRequest, readRoute } from './read-route.ts';

/**
 * Directives and their targets. The list is metadata (numbers, titles, issuers), which the union circulates
 * down the hierarchy, so any reader may see it. A directive's detail and its targets carry figures of the
 * issuer's subtree, so they follow the read rule with the issuer as the unit asked about; a directive of an
 * outside authority (the Prime Minister, say) needs a token over every unit.
 */
export const directiveRoutes = (deps: Deps) => {
  const r = new Hono<AppEnv>();
  const { ledger } = deps;

  /** The issuer of a directive as a unit id, null for an outside authority; 404 when there is no such directive. */
  const issuerOf = (engine: Engine, id: string): string | null => {
    const issuer = directiveIssuer(engine, id);
    if (issuer === undefined) throw new NotFoundError('directive', id);
    return issuer;
  };

  const assertMayRead = (p: Principal, id: string) => {
    const issuer = issuerOf(ledger.engine, id);
    if (issuer === null) requireUnrestricted(p, `directive '${id}' of an outside authority`);
    else deps.scopes.assertCovers(ledger.engine, p, issuer);
  };

  /** A target evaluation's options from the query, with the `knownAt` readRoute has already parsed. */
  const targetOptions = ({ params, knownAt }: ReadRequest) => {
    const asOf = dateParam(params, 'asOf');
    const view = viewParam(params);
    return {
      ...(asOf === undefined ? {} : { asOf }),
      ...(view === undefined ? {} : { view }),
      ...(knownAt === undefined ? {} : { knownAt }),
    };
  };

  r.get(
    '/v1/directives',
    readRoute(deps, [], ({ knownAt }) => ({
      answer: async () => {
        const engine = await ledger.engineAt(knownAt);
        return {
          body: { directives: listDirectives(engine), position: engine.position },
          position: engine.position,
        };
      },
    })),
  );

  r.get(
    '/v1/directives/:id',
    readRoute(deps, ['asOf', 'view'], (request) => {
      const { param, principal } = request;
      const id = param('id');
      const options = targetOptions(request);
      return {
        check: () => assertMayRead(principal, id),
        answer: async () => {
          const answer = await ledger.directive(id, options);
          const engine = await ledger.engineAt(options.knownAt);
          const targets = answer.targets.map((t) => suppressTarget(t, deps.suppression));
          // The cascade lists every implementing plan's target values; those that count people go through
          // the same suppression as the full evaluations, and plans issued outside the token's subtree show
          // no figures.
          const evaluate = async (directive: string, targetId: string): Promise<TargetEvaluation> =>
            directive === id
              ? targets.find((t) => t.target.targetId === targetId)!
              : suppressTarget(await ledger.target({ directive, targetId, ...options }), deps.suppression);
          const visit = async (node: CascadeNode): Promise<CascadeNode & { restricted?: true }> => {
            const issuer = issuerOf(engine, node.id);
            const hidden =
              principal.unit !== undefined &&
              (issuer === null || !deps.scopes.covers(engine, principal, issuer));
            const record = engine.records.directives.get(node.id)!;
            const nodeTargets = hidden
              ? []
              : await Promise.all(
                  node.targets.map(async (t) => {
                    const definition = record.targets.get(t.targetId);
                    if (!definition || !countsPeople(definition)) return t;
                    const e = await evaluate(node.id, t.targetId);
                    return { ...t, value: e.value, ...('suppressed' in e ? { suppressed: true } : {}) };
                  }),
                );
            return {
              ...node,
              targets: nodeTargets,
              implementedBy: await Promise.all(node.implementedBy.map(visit)),
              ...(hidden ? { restricted: true as const } : {}),
            };
          };
          const directive = await visit(answer.directive);
          return { body: { ...answer, directive, targets }, position: answer.position };
        },
      };
    }),
  );

  r.get(
    '/v1/directives/:id/targets/:targetId',
    readRoute(deps, ['asOf', 'view'], (request) => {
      const { param, principal } = request;
      const id = param('id');
      return {
        check: () => assertMayRead(principal, id),
        answer: async () => {
          const evaluation = await ledger.target({
            directive: id,
            targetId: param('targetId'),
            ...targetOptions(request),
          });
          return { body: suppressTarget(evaluation, deps.suppression), position: evaluation.position };
        },
      };
    }),
  );

  return r;
};
