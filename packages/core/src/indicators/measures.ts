import type { z } from 'zod';
import type { Engine } from '../engine/engine.ts';
import { civilFromDay, dayFromCivil } from '../time/civil.ts';
import { periodsIn } from '../time/periods.ts';
import type { IndicatorName, IndicatorParams } from './query.ts';
import { activityMask, invalid, isUnder, type MeasureScope, stockDay, subtreeUnits } from './scope.ts';

/** A measured value: null with a reason where there is nothing to measure (never Infinity, never a silent 0). */
export interface Measured {
  readonly value: number | null;
  readonly reason?: string;
  /** False for a distinct count estimated by a sketch. */
  readonly exact?: boolean;
  readonly relativeError?: number;
  /** The numbers behind the value (numerator, denominator, per-unit results…). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

type Params<N extends IndicatorName> = z.output<(typeof IndicatorParams)[N]>;

const lastDay = stockDay;

/** Count and turns of activities in the scope. */
const additive = (engine: Engine, scope: MeasureScope, params: Params<'activities'>): Float64Array => {
  const mask = activityMask(engine, params);
  const out = new Float64Array(2);
  for (const [from, to] of scope.ranges) {
    if (scope.shareOf !== undefined)
      engine.activities.sumOwnShare(scope.node, scope.shareOf, from, to, mask, out);
    else if (scope.ownOnly) engine.activities.sumOwn(scope.node, from, to, mask, out);
    else engine.activities.sum(scope.node, scope.view, from, to, mask, out);
  }
  return out;
};

const people = (engine: Engine, scope: MeasureScope, params: Params<'people'>): Measured => {
  // People cannot be divided: a unit's people pass whole to its primary successor.
  if (scope.shareOf !== undefined && engine.hierarchy.primaryNode(scope.node) !== scope.shareOf)
    return { value: 0, exact: true };
  const mask = activityMask(engine, params);
  const size = engine.people.distinct(
    scope.node,
    scope.view,
    scope.ranges,
    mask,
    engine.activities.slots.size,
    scope.ownOnly,
  );
  return {
    value: size.value,
    exact: size.exact,
    ...(size.relativeError === undefined ? {} : { relativeError: size.relativeError }),
  };
};

const headcount = (
  engine: Engine,
  scope: MeasureScope,
  params: Params<'headcount'>,
  day = lastDay(scope),
): Measured => {
  const slots = engine.populations
    .entries()
    .flatMap((e, slot) =>
      e.kind === params.population && (params.channel === undefined || e.channel === params.channel)
        ? [slot]
        : [],
    );
  const v =
    scope.shareOf === undefined
      ? engine.stocks.value(scope.node, scope.view, day, slots, scope.ownOnly)
      : engine.stocks.ownShare(scope.node, scope.shareOf, day, slots);
  return v.reported
    ? { value: v.value }
    : { value: null, reason: `no ${params.population} headcount reported by then` };
};

const ratio = (num: Measured, den: Measured): Measured => {
  const detail = { numerator: num.value, denominator: den.value };
  if (num.value === null) return { value: null, reason: num.reason ?? 'no numerator', detail };
  if (den.value === null) return { value: null, reason: den.reason ?? 'no denominator', detail };
  if (den.value === 0) return { value: null, reason: 'the denominator is zero', detail };
  return { value: num.value / den.value, detail, ...(num.exact === false ? { exact: false } : {}) };
};

/** Units of the scope at its end, of one level when given (the "(itself)" row counts the node alone). */
const unitsAt = (engine: Engine, scope: MeasureScope, level: string | undefined): number[] => {
  const day = lastDay(scope);
  const units = scope.ownOnly
    ? [scope.node].filter((u) => engine.hierarchy.isActive(u, day))
    : subtreeUnits(engine, scope.node, scope.view, day);
  return level === undefined ? units : units.filter((u) => engine.hierarchy.unit(u).level === level);
};

const subScope = (scope: MeasureScope, node: number): MeasureScope => ({ ...scope, node, ownOnly: false });

const coverage = (engine: Engine, scope: MeasureScope, params: Params<'coverage'>): Measured => {
  const units = unitsAt(engine, scope, params.level);
  if ((params.predicate === 'adopted' || params.predicate === 'reported') && params.directive === undefined) {
    invalid('params.directive', 'required', `predicate '${params.predicate}' needs a directive`);
  }
  const directive =
    params.directive === undefined ? undefined : engine.records.directives.get(params.directive);
  if (params.directive !== undefined && !directive)
    invalid('params.directive', 'unknown_directive', `no directive '${params.directive}'`);
  const end = lastDay(scope);
  const met = units.filter((u) => {
    switch (params.predicate) {
      case 'adopted':
        return adoptedBy(engine, params.directive!, u, end);
      case 'reported':
        return engine.records.reports.some(
          (r) =>
            r.unit === u &&
            r.directive === params.directive &&
            scope.ranges.some(([a, b]) => r.day >= a && r.day <= b),
        );
      case 'activity':
        return additive(engine, subScope(scope, u), params)[0]! >= (params.min ?? 1);
      default:
        return false;
    }
  });
  const detail = {
    met: met.length,
    total: units.length,
    units: units.map((u) => ({ unit: engine.hierarchy.unit(u).id, met: met.includes(u) })),
  };
  if (units.length === 0) return { value: null, reason: `no ${params.level} units in scope`, detail };
  return { value: met.length / units.length, detail };
};

/** Whether unit u adopted the directive by `day`, or issued a plan of its own implementing it by then. */
export const adoptedBy = (engine: Engine, directiveId: string, u: number, day: number): boolean => {
  const d = engine.records.directives.get(directiveId);
  const adoption = d?.adoptions.get(u);
  if (adoption && adoption.day <= day) return true;
  return (engine.records.implementedBy.get(directiveId) ?? []).some((id) => {
    const plan = engine.records.directives.get(id);
    return plan?.issuerUnit === u && plan.issuedDay <= day;
  });
};

/**
 * The share of (unit, sub-period) pairs in which the unit's subtree recorded at least `min` activities of a
 * kind. Only sub-periods wholly inside the query period and the unit's lifetime count.
 */
export const cadence = (engine: Engine, scope: MeasureScope, params: Params<'cadence'>): Measured => {
  const units = params.level === undefined ? [scope.node] : unitsAt(engine, scope, params.level);
  const mask = activityMask(engine, params);
  let met = 0;
  let total = 0;
  const perUnit: { unit: string; met: number; periods: number }[] = [];
  for (const u of units) {
    const r = engine.hierarchy.unit(u);
    const alive: [number, number] = [r.registeredDay, (r.end?.day ?? Number.POSITIVE_INFINITY) - 1];
    let unitMet = 0;
    let unitTotal = 0;
    for (const [from, to] of scope.ranges) {
      for (const p of periodsIn({ from, to }, params.per)) {
        if (p.from < Math.max(from, alive[0]) || p.to > Math.min(to, alive[1])) continue;
        const out = new Float64Array(2);
        if (scope.ownOnly && u === scope.node) engine.activities.sumOwn(u, p.from, p.to, mask, out);
        else engine.activities.sum(u, scope.view, p.from, p.to, mask, out);
        unitTotal += 1;
        if (out[0]! >= params.min) unitMet += 1;
      }
    }
    met += unitMet;
    total += unitTotal;
    perUnit.push({ unit: r.id, met: unitMet, periods: unitTotal });
  }
  const detail = { met, periods: total, units: perUnit };
  if (total === 0) return { value: null, reason: `no whole ${params.per} inside the period`, detail };
  return { value: met / total, detail };
};

const growth = (engine: Engine, scope: MeasureScope, params: Params<'growth'>): Measured => {
  const baselineDay = dayFromCivilDate(params.baseline);
  const base = headcount(engine, scope, params, baselineDay);
  const now = headcount(engine, scope, params);
  const r = ratio(now, base);
  return r.value === null
    ? r
    : { ...r, value: r.value - 1, detail: { baseline: base.value, value: now.value } };
};

const dayFromCivilDate = (date: string) => {
  const [y, m, d] = date.split('-').map(Number);
  return dayFromCivil(y!, m!, d!);
};

/** The bodies counted for a scope on a day: those of units in it (of one level, when given). */
const bodiesIn = (
  engine: Engine,
  scope: MeasureScope,
  day: number,
  params: {
    level?: string | undefined;
    body?: string | undefined;
    bodyKind?: string | undefined;
    programme?: string | undefined;
  },
) =>
  [...engine.records.bodies.values()].filter((b) => {
    if (params.body !== undefined && b.id !== params.body) return false;
    if (params.bodyKind !== undefined && b.kind !== params.bodyKind) return false;
    if (params.programme !== undefined && b.programme !== params.programme) return false;
    if (params.level !== undefined && engine.hierarchy.unit(b.unit).level !== params.level) return false;
    return scope.ownOnly ? b.unit === scope.node : isUnder(engine, b.unit, scope.node, scope.view, day);
  });

const roster = (engine: Engine, scope: MeasureScope, params: Params<'roster'>): Measured => {
  const day = lastDay(scope);
  let count = 0;
  const byRole: Record<string, number> = {};
  for (const b of bodiesIn(engine, scope, day, params)) {
    for (const h of b.holdings) {
      if (h.from > day || (h.to !== undefined && h.to <= day)) continue;
      if (params.role !== undefined && h.role !== params.role) continue;
      count += 1;
      byRole[h.role] = (byRole[h.role] ?? 0) + 1;
    }
  }
  return { value: count, detail: { byRole } };
};

const rosterChanges = (engine: Engine, scope: MeasureScope, params: Params<'roster-changes'>): Measured => {
  let count = 0;
  const inRanges = (d: number) => scope.ranges.some(([a, b]) => d >= a && d <= b);
  for (const b of bodiesIn(engine, { ...scope, ownOnly: scope.ownOnly }, lastDay(scope), {
    ...params,
    level: params.level,
  })) {
    for (const h of b.holdings) {
      if (params.role !== undefined && h.role !== params.role) continue;
      const day = params.change === 'assigned' ? h.from : h.to;
      const reason = params.change === 'assigned' ? h.reasonIn : h.reasonOut;
      if (day === undefined || !inRanges(day)) continue;
      if (params.reason !== undefined && reason !== params.reason) continue;
      count += 1;
    }
  }
  return { value: count };
};

const yearOf = (day: number) => civilFromDay(day).year;

const ratings = (engine: Engine, scope: MeasureScope, params: Params<'ratings'>): Measured => {
  const first = yearOf(scope.ranges[0]![0]);
  const last = yearOf(lastDay(scope));
  const rows = engine.records.ratings.filter(
    (r) =>
      r.year >= first &&
      r.year <= last &&
      (params.grade === undefined || r.grade === params.grade) &&
      (scope.ownOnly ? r.unit === scope.node : isUnder(engine, r.unit, scope.node, scope.view, r.day)),
  );
  return { value: rows.length, detail: { years: [...new Set(rows.map((r) => r.year))].sort() } };
};

const reports = (engine: Engine, scope: MeasureScope, params: Params<'reports'>): Measured => ({
  value: engine.records.reports.filter(
    (r) =>
      (params.directive === undefined || r.directive === params.directive) &&
      scope.ranges.some(([a, b]) => r.day >= a && r.day <= b) &&
      (scope.ownOnly ? r.unit === scope.node : isUnder(engine, r.unit, scope.node, scope.view, r.day)),
  ).length,
});

const inspectedUnits = (engine: Engine, scope: MeasureScope, params: Params<'inspected-units'>): Measured => {
  const units = new Set<number>();
  for (const i of engine.records.inspections.values()) {
    if (params.directive !== undefined && i.directive !== params.directive) continue;
    if (!scope.ranges.some(([a, b]) => i.visits.from <= b && i.visits.to >= a)) continue;
    for (const u of i.units) {
      if (scope.ownOnly ? u === scope.node : isUnder(engine, u, scope.node, scope.view, i.visits.from))
        units.add(u);
    }
  }
  return { value: units.size };
};

/** Evaluates one indicator over a scope. `params` must already be parsed with the indicator's schema. */
export const measure = (
  engine: Engine,
  name: IndicatorName,
  params: unknown,
  scope: MeasureScope,
): Measured => {
  switch (name) {
    case 'activities':
      return { value: additive(engine, scope, params as Params<'activities'>)[0]! };
    case 'turns':
      return { value: additive(engine, scope, params as Params<'turns'>)[1]! };
    case 'people':
      return people(engine, scope, params as Params<'people'>);
    case 'headcount':
      return headcount(engine, scope, params as Params<'headcount'>);
    case 'participation-rate': {
      const p = params as Params<'participation-rate'>;
      return ratio(people(engine, scope, p), headcount(engine, scope, { population: p.population }));
    }
    case 'units':
      return { value: unitsAt(engine, scope, (params as Params<'units'>).level).length };
    case 'coverage':
      return coverage(engine, scope, params as Params<'coverage'>);
    case 'cadence':
      return cadence(engine, scope, params as Params<'cadence'>);
    case 'growth':
      return growth(engine, scope, params as Params<'growth'>);
    case 'roster':
      return roster(engine, scope, params as Params<'roster'>);
    case 'roster-changes':
      return rosterChanges(engine, scope, params as Params<'roster-changes'>);
    case 'ratings':
      return ratings(engine, scope, params as Params<'ratings'>);
    case 'reports':
      return reports(engine, scope, params as Params<'reports'>);
    case 'inspected-units':
      return inspectedUnits(engine, scope, params as Params<'inspected-units'>);
  }
};
