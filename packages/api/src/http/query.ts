import { IsoDate, KnownAt, View } from '@chitieu/core';
import { problems } from '../problem.ts';
import { queryPairs, urlParts } from './url.ts';

/** A request's query parameters, each given once (a repeated parameter is ambiguous, so it is a 400). */
export const queryParams = (url: string): Map<string, string> => {
  const out = new Map<string, string>();
  for (const [key, value] of queryPairs(urlParts(url).query)) {
    if (out.has(key)) throw problems.invalidParameter(key, 'repeated', 'give this parameter once');
    out.set(key, value);
  }
  return out;
};

/** Throws a 400 naming any parameter the route does not know (a typo must not silently change an answer). */
export const onlyKnown = (params: ReadonlyMap<string, string>, known: readonly string[]): void => {
  const unknown: string[] = [];
  for (const k of params.keys()) if (!known.includes(k)) unknown.push(k);
  if (unknown.length > 0)
    throw problems.invalidRequest(
      unknown.map((k) => ({ path: k, rule: 'unknown_parameter', message: `known: ${known.join(', ')}` })),
    );
};

/** A whole number in [min, max], or the default when absent. */
export const intParam = (
  params: ReadonlyMap<string, string>,
  name: string,
  bounds: { min: number; max: number; fallback?: number },
): number | undefined => {
  const text = params.get(name);
  if (text === undefined) return bounds.fallback;
  const n = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= bounds.min && n <= bounds.max))
    throw problems.invalidParameter(
      name,
      'out_of_range',
      `must be a whole number from ${bounds.min} to ${bounds.max}`,
    );
  return n;
};

/** An ISO date (YYYY-MM-DD) that exists on the calendar. */
export const dateParam = (params: ReadonlyMap<string, string>, name: string): string | undefined => {
  const text = params.get(name);
  if (text === undefined) return undefined;
  const r = IsoDate.safeParse(text);
  if (!r.success)
    throw problems.invalidParameter(name, 'invalid_date', r.error.issues[0]?.message ?? 'must be a date');
  return r.data;
};

export const viewParam = (params: ReadonlyMap<string, string>): 'as-was' | 'as-is' | undefined => {
  const text = params.get('view');
  if (text === undefined) return undefined;
  const r = View.safeParse(text);
  if (!r.success) throw problems.invalidParameter('view', 'invalid_enum', "must be 'as-was' or 'as-is'");
  return r.data;
};

/** `knownAt`: digits are a log position, anything else an instant with an offset. */
export const knownAtParam = (params: ReadonlyMap<string, string>): number | string | undefined => {
  const text = params.get('knownAt');
  if (text === undefined) return undefined;
  const r = KnownAt.safeParse(/^\d{1,15}$/.test(text) ? Number(text) : text);
  if (!r.success)
    throw problems.invalidParameter(
      'knownAt',
      'invalid_known_at',
      'must be a log position (a whole number) or an instant with an offset, e.g. 2024-06-30T17:00:00Z',
    );
  return r.data;
};
