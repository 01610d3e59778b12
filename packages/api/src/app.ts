import type { Clock, Ledger } from '@chitieu/core';
import { type Context, Hono } from 'hono';
import type { Principal } from './auth/principal.ts';
import { type Scope, TokenTable } from './auth/tokens.ts';
import { UnitScopes } from './auth/unit-scope.ts';
import { type AppEnv, DEFAULT_LIMITS, type Deps, type Limits } from './context.ts';
import { newRequestId } from './http/request-id.ts';
import { IdempotencyCache } from './limits/idempotency.ts';
import { RateLimiter } from './limits/rate-limit.ts';
import { describeError, type Logger, silentLogger } from './logging.ts';
import type { SuppressionOptions } from './privacy/suppress.ts';
import { HttpProblem, isExpected, problemResponse, problems } from './problem.ts';
import { directiveRoutes } from './routes/directives.ts';
import { docRoutes } from './routes/docs.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { indicatorRoutes } from './routes/indicators.ts';
import { inspectionRoutes } from './routes/inspections.ts';
import { unitRoutes } from './routes/units.ts';

export interface AppOptions {
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly auth?: {
    readonly tokens?: TokenTable;
    /** Let requests without a token read (never write). Default false. */
    readonly openReads?: boolean;
  };
  readonly limits?: Partial<Limits> & {
    /** Requests per second per client (a token, or an address without one); absent for no limit. */
    readonly rate?: { readonly perSecond: number; readonly burst: number };
  };
  readonly suppression?: Partial<SuppressionOptions>;
  readonly logger?: Logger;
  /** The client's address for rate limits on requests without a token (main.ts reads the socket). */
  readonly clientAddress?: (c: Context<AppEnv>) => string | undefined;
  /** Readiness fails beyond this lag in events (default 1,000). */
  readonly maxLag?: number;
  readonly draining?: () => boolean;
  /** Milliseconds for rate limits and idempotency expiry (tests pass a fake). */
  readonly now?: () => number;
  readonly version?: string;
}

const UNLIMITED_PROBES = new Set(['/healthz', '/readyz']);
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Sets a header on the response a handler has already made. Hono's `c.header` copies a final response for
 * every header it sets (and under @hono/node-server that turns its lightweight response into a full one,
 * body stream included); the response's own headers can simply be set, unless they are immutable.
 */
const setFinalHeader = (c: Context<AppEnv>, name: string, value: string): void => {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.header(name, value);
  }
};

/**
 * The HTTP API over a ledger: routes, auth, limits and problem details. It does no I/O of its own beyond
 * what it is given (the ledger, its store, the logger), so tests drive it with `app.request(...)`.
 */
export const createApp = (options: AppOptions) => {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const deps: Deps = {
    ledger: options.ledger,
    clock: options.clock,
    tokens: options.auth?.tokens ?? new TokenTable(),
    openReads: options.auth?.openReads ?? false,
    limits,
    suppression: { threshold: options.suppression?.threshold ?? 5 },
    scopes: new UnitScopes(),
    idempotency: new IdempotencyCache({
      ttlMs: limits.idempotencyTtlMs,
      maxEntries: limits.idempotencyEntries,
      now,
    }),
    rateLimiter: options.limits?.rate
      ? new RateLimiter({
          ratePerSecond: options.limits.rate.perSecond,
          burst: options.limits.rate.burst,
          now,
        })
      : undefined,
    logger: options.logger ?? silentLogger,
    maxLag: options.maxLag ?? 1_000,
    draining: options.draining ?? (() => false),
    version: options.version ?? '0.1.0',
  };
  const clientAddress = options.clientAddress ?? (() => undefined);
  const anonymous: Principal = {
    subject: 'anonymous',
    anonymous: true,
    scopes: new Set<Scope>(deps.openReads ? ['read'] : []),
    unit: undefined,
  };

  const app = new Hono<AppEnv>();

  // One JSON line per request, whatever happened to it (nothing to time or build for the silent logger).
  const logging = deps.logger !== silentLogger;
  app.use('*', async (c, next) => {
    const started = logging ? performance.now() : 0;
    const given = c.req.header('X-Request-Id');
    const requestId = given !== undefined && REQUEST_ID.test(given) ? given : newRequestId();
    c.set('requestId', requestId);
    c.set('principal', anonymous);
    const final = { 'X-Request-Id': requestId, 'X-Content-Type-Options': 'nosniff' };
    c.set('finalHeaders', final);
    await next();
    if (c.get('headersFinal') !== true) {
      setFinalHeader(c, 'X-Request-Id', final['X-Request-Id']);
      setFinalHeader(c, 'X-Content-Type-Options', final['X-Content-Type-Options']);
    }
    // While draining, ask keep-alive clients to reconnect (to another node) rather than reuse this one.
    if (deps.draining()) setFinalHeader(c, 'Connection', 'close');
    if (!logging) return;
    deps.logger.log({
      level: 'info',
      msg: 'request',
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      subject: c.get('principal').subject,
    });
  });

  // Who is asking, then whether they may ask now. A bad token is refused only after the rate limit, so
  // guessing tokens is throttled like anything else. (Not async: it hands on next()'s promise as it is.)
  app.use('*', (c, next) => {
    const header = c.req.header('Authorization');
    let refused: string | undefined;
    if (header !== undefined) {
      const m = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header);
      const entry = m ? deps.tokens.lookup(m[1]!) : undefined;
      if (entry) {
        c.set('principal', {
          subject: entry.name,
          anonymous: false,
          scopes: new Set(entry.scopes),
          unit: entry.unit,
        });
      } else {
        refused = m ? 'the bearer token is not recognised' : 'use Authorization: Bearer <token>';
      }
    }
    if (deps.rateLimiter && !UNLIMITED_PROBES.has(c.req.path)) {
      const p = c.get('principal');
      const key = p.anonymous ? `addr:${clientAddress(c) ?? 'unknown'}` : `token:${p.subject}`;
      const decision = deps.rateLimiter.take(key);
      if (!decision.ok) throw problems.rateLimited(decision.retryAfterSeconds);
    }
    if (refused !== undefined) throw problems.unauthenticated(refused);
    return next();
  });

  for (const routes of [
    healthRoutes(deps),
    docRoutes(deps),
    eventRoutes(deps),
    unitRoutes(deps),
    inspectionRoutes(deps),
    directiveRoutes(deps),
    indicatorRoutes(deps),
  ]) {
    app.route('/', routes);
  }

  // A known path with another method is a 405 naming the methods it has.
  const methodsByPath = new Map<string, string[]>();
  for (const r of app.routes) {
    if (r.method === 'ALL') continue;
    methodsByPath.set(r.path, [...(methodsByPath.get(r.path) ?? []), r.method]);
  }
  for (const [path, methods] of methodsByPath) {
    app.all(path, (c) => {
      const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].join(', ');
      throw new HttpProblem(
        405,
        'method_not_allowed',
        'Method not allowed',
        `${c.req.method} is not served here; use ${allow}`,
        {
          headers: { Allow: allow },
        },
      );
    });
  }

  app.notFound((c) => problemResponse(problems.routeNotFound(c.req.path)));
  app.onError((error, c) => {
    if (!isExpected(error)) {
      deps.logger.log({
        level: 'error',
        msg: 'unexpected error',
        requestId: c.get('requestId'),
        error: describeError(error),
      });
    }
    return problemResponse(error);
  });

  return app;
};

export type App = ReturnType<typeof createApp>;
