import type { Context } from 'hono';
import { type Principal, requireScope } from '../auth/principal.ts';
import type { AppEnv, Deps } from '../context.ts';
import { notModified, setCaching } from '../http/caching.ts';
import { knownAtParam, onlyKnown, queryParams } from '../http/query.ts';
import { freshnessAfter, freshnessBefore } from './freshness.ts';

export interface ReadRequest {
  readonly c: Context<AppEnv>;
  /** A path parameter of the route (always present: the route matched). */
  readonly param: (name: string) => string;
  readonly principal: Principal;
  readonly params: ReadonlyMap<string, string>;
  readonly knownAt: number | string | undefined;
}

export interface ReadPlan {
  /** Refuses the request (403/404) before anything else is revealed, a 304 included. */
  readonly check?: () => void;
  /** The answer and the log position it reflects. */
  readonly answer: () => Promise<{ readonly body: unknown; readonly position: number }>;
}

/**
 * The shape every JSON read takes: the read scope, only the query parameters it knows, the caller's own
 * check, a 304 when the tag still matches (before the core is asked), then the answer with cache headers
 * for the position it reflects.
 */
export const readRoute = (
  deps: Deps,
  allowed: readonly string[],
  plan: (request: ReadRequest) => ReadPlan,
) => {
  const known = [...allowed, 'knownAt'];
  return async (c: Context<AppEnv>) => {
    const principal = c.get('principal');
    requireScope(principal, 'read');
    const params = queryParams(c.req.url);
    onlyKnown(params, known);
    const knownAt = knownAtParam(params);
    const param = (name: string) => c.req.param(name) ?? '';
    const { check, answer } = plan({ c, param, principal, params, knownAt });
    check?.();
    const before = freshnessBefore(deps.ledger, knownAt);
    const hit = notModified(c, deps.clock, before);
    if (hit) return hit;
    const { body, position } = await answer();
    setCaching(c, deps.clock, freshnessAfter(before, knownAt, position));
    return c.json(body);
  };
};
