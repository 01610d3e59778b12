import * as crypto from 'node:crypto';
import { type Clock, dayOfInstant, startOfDay } from '@chitieu/core';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { queryPairs, urlParts } from './url.ts';

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

/** The order of the canonical query: by name, then value (UTF-16 code units, as `<` compares). */
const byNameThenValue = ([a, va]: [string, string], [b, vb]: [string, string]): number =>
  a < b ? -1 : a > b ? 1 : va < vb ? -1 : va > vb ? 1 : 0;

/** What the form-urlencoded serialiser leaves as it is. */
const PLAIN = /^[\w.*-]*$/;

/**
 * A pure function of a string, remembered: clients ask the same few questions over and over. The memo
 * forgets everything once it holds 1,000 answers and never keeps a long key, so it stays small (a few
 * megabytes at most) whatever it is sent.
 */
const remembered = (f: (key: string) => string) => {
  const known = new Map<string, string>();
  return (key: string): string => {
    let value = known.get(key);
    if (value === undefined) {
      value = f(key);
      if (key.length > 2_000) return value;
      if (known.size >= 1_000) known.clear();
      known.set(key, value);
    }
    return value;
  };
};

/** The query's pairs sorted, serialised as `URLSearchParams` does (so `?b=2&a=1` and `?a=1&b=2` agree). */
const canonicalQuery = remembered((query: string): string => {
  const pairs = queryPairs(query).sort(byNameThenValue);
  let out = '';
  for (const [name, value] of pairs) {
    if (!PLAIN.test(name) || !PLAIN.test(value)) return new URLSearchParams(pairs).toString();
    out += out === '' ? `${name}=${value}` : `&${name}=${value}`;
  }
  return out;
});

/** `crypto.hash` (Node 20.12+) hashes a string in one call; `createHash` before it. */
const sha256 = (text: string): string =>
  typeof crypto.hash === 'function'
    ? crypto.hash('sha256', text, 'base64url')
    : crypto.createHash('sha256').update(text).digest('base64url');

/** The tag of an ETag's parts, one per line (a strong tag: the first 162 bits of their SHA-256). */
const tagOf = remembered((parts: string): string => `"${sha256(parts).slice(0, 27)}"`);

/** The tag last made for a request: a route checks the tag, then sets it, usually for the same position. */
export interface EtagMemo {
  /** Method, path, canonical query and Accept: fixed for the request, so worked out once. */
  readonly request: string;
  position: number | string | undefined;
  subject: string;
  day: number;
  etag: string;
}

/** The strong ETag of an answer at `position` to this request, today. */
export const etagOf = (c: Context<AppEnv>, clock: Clock, position: number | string): string => {
  const subject = c.get('principal').subject;
  const day = dayOfInstant(clock.now());
  let t = c.get('etagMemo');
  if (t === undefined) {
    const { path, query } = urlParts(c.req.url);
    const accept = (c.req.header('Accept') ?? '').trim().toLowerCase();
    t = {
      request: `${c.req.method}\n${path}\n${canonicalQuery(query)}\n${accept}`,
      position: undefined,
      subject,
      day,
      etag: '',
    };
    c.set('etagMemo', t);
  } else if (t.position === position && t.subject === subject && t.day === day) {
    return t.etag;
  }
  // The parts, one per line: shape version, position, method, path, query, Accept, subject, day.
  const etag = tagOf(`${SHAPE_VERSION}\n${position}\n${t.request}\n${subject}\n${day}`);
  t.position = position;
  t.subject = subject;
  t.day = day;
  t.etag = etag;
  return etag;
};

/** An entity tag without its weakness prefix and surrounding whitespace. */
const bareTag = (t: string): string => t.trim().replace(/^W\//, '');

/** Whether an If-None-Match header matches an ETag (weak comparison, as RFC 9110 asks for GET). */
export const matchesIfNoneMatch = (header: string | undefined, etag: string): boolean => {
  if (header === undefined) return false;
  // The usual case: the client sends back the one tag it was given.
  if (header === etag) return true;
  if (header.trim() === '*') return true;
  const wanted = bareTag(etag);
  for (const t of header.split(',')) if (bareTag(t) === wanted) return true;
  return false;
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
  const header = c.req.header('If-None-Match');
  if (header === undefined) return undefined;
  const etag = etagOf(c, clock, f.position);
  if (!matchesIfNoneMatch(header, etag)) return undefined;
  // Every header in one plain object, the request id's included: no Headers object is made for a 304 (see
  // `headersFinal`), which is most of what answering one costs beyond the socket.
  c.set('headersFinal', true);
  return new Response(null, {
    status: 304,
    headers: {
      ETag: etag,
      'Cache-Control': cacheControlOf(clock, f),
      Vary: 'Accept, Authorization',
      ...c.get('finalHeaders'),
    },
  });
};
