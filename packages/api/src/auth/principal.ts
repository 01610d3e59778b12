import { problems } from '../problem.ts';
import type { Scope } from './tokens.ts';

/** Who is asking: a configured token, or an anonymous reader where reads are open. */
export interface Principal {
  /** The token's name, or `anonymous`: the subject in logs, rate limits and ETags. */
  readonly subject: string;
  readonly anonymous: boolean;
  readonly scopes: ReadonlySet<Scope>;
  /** The unit subtree the principal is confined to; undefined for every unit. */
  readonly unit: string | undefined;
}

/** Whether the principal holds a scope; `admin` holds them all. */
export const holds = (p: Principal, scope: Scope): boolean => p.scopes.has(scope) || p.scopes.has('admin');

/** Throws 401 for an anonymous caller without the scope, 403 for a token without it. */
export const requireScope = (p: Principal, scope: Scope): void => {
  if (holds(p, scope)) return;
  if (p.anonymous) {
    throw problems.unauthenticated(
      scope === 'read' ? 'reads need a bearer token on this server' : 'writes always need a bearer token',
    );
  }
  throw problems.forbidden(`the token '${p.subject}' lacks the '${scope}' scope`);
};

/** Throws 403 unless the principal covers every unit (the whole log, unit-less events). */
export const requireUnrestricted = (p: Principal, what: string): void => {
  if (p.unit !== undefined)
    throw problems.forbidden(`${what} spans every unit; the token '${p.subject}' is confined to '${p.unit}'`);
};
