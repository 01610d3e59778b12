import type { Clock, Ledger } from '@chitieu/core';
import type { Principal } from './auth/principal.ts';
import type { TokenTable } from './auth/tokens.ts';
import type { UnitScopes } from './auth/unit-scope.ts';
import type { EtagMemo } from './http/caching.ts';
import type { IdempotencyCache } from './limits/idempotency.ts';
import type { RateLimiter } from './limits/rate-limit.ts';
import type { Logger } from './logging.ts';
import type { SuppressionOptions } from './privacy/suppress.ts';

/** Hono's per-request variables. */
export type AppEnv = {
  Variables: {
    principal: Principal;
    requestId: string;
    /** The request's ETag, worked out once (see `etagOf`). */
    etagMemo?: EtagMemo;
    /** The headers every response carries (request id, nosniff), set on the response once it is made. */
    finalHeaders: Readonly<Record<string, string>>;
    /**
     * Set by a route whose response already holds `finalHeaders` in a plain object (a 304): left alone, it
     * is written by the adapter straight from that object, with no Headers built for it.
     */
    headersFinal?: true;
  };
};

/** Page sizes and body limits; every value has a default (see `DEFAULT_LIMITS`). */
export interface Limits {
  /** Largest request body, in bytes (default 1 MiB). */
  readonly bodyBytes: number;
  /** Most events in one POST (default 5,000). */
  readonly eventsPerRequest: number;
  /** Default and largest page of `GET /v1/events` and explain events, in JSON. */
  readonly pageSize: number;
  readonly maxPageSize: number;
  /** Largest NDJSON read in one request (default: a million events). */
  readonly maxStreamSize: number;
  /** How long and how many Idempotency-Key answers are kept. */
  readonly idempotencyTtlMs: number;
  readonly idempotencyEntries: number;
}

export const DEFAULT_LIMITS: Limits = {
  bodyBytes: 1024 * 1024,
  eventsPerRequest: 5_000,
  pageSize: 100,
  maxPageSize: 1_000,
  maxStreamSize: 1_000_000,
  idempotencyTtlMs: 24 * 60 * 60 * 1000,
  idempotencyEntries: 10_000,
};

/** Everything the routes need, resolved once by `createApp`. */
export interface Deps {
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly tokens: TokenTable;
  readonly openReads: boolean;
  readonly limits: Limits;
  readonly suppression: SuppressionOptions;
  readonly scopes: UnitScopes;
  readonly idempotency: IdempotencyCache;
  readonly rateLimiter: RateLimiter | undefined;
  readonly logger: Logger;
  /** Readiness fails when the projections trail the store's head by more than this many events. */
  readonly maxLag: number;
  /** True once the server has begun to shut down: readiness fails so balancers stop sending traffic. */
  readonly draining: () => boolean;
  readonly version: string;
}
