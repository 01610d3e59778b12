import { createHash } from 'node:crypto';
import { type Clock, dayOfInstant, startOfDay } from '@chitieu/core';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';

/**
 * ETags without computing the answer. An answer is a function of the log position it reflects, the request
 * (method, path, query, Accept, who asks) and, for defaults such as `asOf` and relative periods, today's
 * date in Vietnam. So the ETag is a hash of exactly those: the route compares it with If-None-Match before
 * it asks the core anything, and sets it again from the position the answer actually reflects.
 */

/** Bump when a response's shape changes, so caches never mix two versions of the API. */
const SHAPE_VERSION = 'v1.1';

export interface Freshness {
  /** The log position the answer reflects. */
  readonly position: number;
  /** True when the answer is pinned to a past position (`knownAt` at or below the head). */
  readonly pinned?: boolean;
}

const canonicalQuery = (url: URL): string => {
  const params = [...url.searchParams].sort(([a, va], [b, vb]) =>
    a < b ? -1 : a > b ? 1 : va < vb ? -1 : va > vb ? 1 : 0,
  );
  return new URLSearchParams(params).toString();
};

/** The strong ETag of an answer at `position` to this request, today. */
export const etagOf = (c: Context<AppEnv>, clock: Clock, position: number | string): string => {
  const url = new URL(c.req.url);
  const parts = [
    SHAPE_VERSION,
    String(position),
    c.req.method,
    url.pathname,
    canonicalQuery(url),
    (c.req.header('Accept') ?? '').trim().toLowerCase(),
    c.get('principal').subject,
    String(dayOfInstant(clock.now())),
  ];
  return `"${createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 27)}"`;
};

/** Whether an If-None-Match header matches an ETag (weak comparison, as RFC 9110 asks for GET). */
export const matchesIfNoneMatch = (header: string | undefined, etag: string): boolean => {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => bare(t) === bare(etag));
};

/** Cache-Control for an answer: live answers are revalidated; pinned ones keep until Vietnamese midnight. */
export const cacheControlOf = (clock: Clock, f: Freshness): string => {
  if (!f.pinned) return 'private, no-cache';
  // Pinned answers still depend on today through defaults (asOf, last-12-months), so not beyond tonight.
  const now = clock.now().getTime();
  const midnight = startOfDay(dayOfInstant(now) + 1).getTime();
  return `private, max-age=${Math.max(1, Math.floor((midnight - now) / 1000))}`;
};

/** Sets ETag, Cache-Control and Vary for an answer; returns the ETag. */
export const setCaching = (c: Context<AppEnv>, clock: Clock, f: Freshness): string => {
  const etag = etagOf(c, clock, f.position);
  c.header('ETag', etag);
  c.header('Cache-Control', cacheControlOf(clock, f));
  c.header('Vary', 'Accept, Authorization');
  return etag;
};

/** A 304 when the client's copy is current, checked before any work; undefined when the route must answer. */
export const notModified = (c: Context<AppEnv>, clock: Clock, f: Freshness): Response | undefined => {
  const etag = etagOf(c, clock, f.position);
  if (!matchesIfNoneMatch(c.req.header('If-None-Match'), etag)) return undefined;
  return new Response(null, {
    status: 304,
    headers: { ETag: etag, 'Cache-Control': cacheControlOf(clock, f), Vary: 'Accept, Authorization' },
  });
};
