import { type IndicatorName, IndicatorParams, type IndicatorQuery } from '@chitieu/core';
import { knownAtParam } from './http/query.ts';

/** Query parameters with a meaning of their own; every other parameter is one of the indicator's params. */
export const INDICATOR_QUERY_KEYS = ['unit', 'period', 'by', 'grain', 'view', 'knownAt'] as const;

const numericKeys = new Map<IndicatorName, ReadonlySet<string>>();

/** The params of an indicator that its schema wants as numbers (query strings are all text). */
const numericParams = (name: IndicatorName): ReadonlySet<string> => {
  let keys = numericKeys.get(name);
  if (!keys) {
    const schema = IndicatorParams[name].toJSONSchema({ io: 'input' }) as {
      properties?: Record<string, { type?: string | string[] }>;
    };
    keys = new Set(
      Object.entries(schema.properties ?? {})
        .filter(([, p]) => [p.type].flat().some((t) => t === 'number' || t === 'integer'))
        .map(([k]) => k),
    );
    numericKeys.set(name, keys);
  }
  return keys;
};

const NUMBER = /^-?\d+(?:\.\d+)?$/;

/**
 * An indicator query from query parameters: `unit`, `period`, `by`, `grain`, `view`, `knownAt`, and the
 * indicator's own params (`kind=article&channel=…`), numbers parsed where the schema wants numbers. The
 * core validates the result; anything it rejects comes back as a 400 with the failing parameter.
 */
export const indicatorQueryFrom = (
  name: IndicatorName,
  params: ReadonlyMap<string, string>,
  routeKeys: readonly string[] = [],
): IndicatorQuery => {
  const numeric = numericParams(name);
  const own: Record<string, unknown> = {};
  for (const [key, value] of params) {
    if ((INDICATOR_QUERY_KEYS as readonly string[]).includes(key) || routeKeys.includes(key)) continue;
    // Left as text when it is not a number, so the core reports the parameter and what it expected.
    own[key] = numeric.has(key) && NUMBER.test(value) ? Number(value) : value;
  }
  const knownAt = knownAtParam(params);
  const view = params.get('view');
  const by = params.get('by');
  const grain = params.get('grain');
  return {
    indicator: name,
    unit: params.get('unit') as string,
    period: params.get('period') as string,
    ...(view === undefined ? {} : { view: view as 'as-was' }),
    ...(by === undefined ? {} : { by: by as 'unit' }),
    ...(grain === undefined ? {} : { grain: grain as 'month' }),
    ...(knownAt === undefined ? {} : { knownAt }),
    params: own,
  };
};
