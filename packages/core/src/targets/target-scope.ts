import type { ViewIndex } from '../engine/activity-cube.ts';
import type { Engine } from '../engine/engine.ts';
import type { DirectiveRecord } from '../engine/records.ts';
import type { Measure, Target, Scope as TargetScopeSpec } from '../events/targets.ts';
import type { Measured } from '../indicators/measures.ts';
import { measure } from '../indicators/measures.ts';
import { type DayRange, isUnder, type MeasureScope, subtreeUnits } from '../indicators/scope.ts';

/** The units a target binds on a day, and the node its aggregate is measured at. */
export interface BoundUnits {
  readonly units: readonly number[];
  /** The node whose subtree is exactly the scope, when it is one (no filters): aggregates are measured there. */
  readonly root: number | undefined;
}

/**
 * Resolves a target's `appliesTo`: named units; else units below `under` (default: the issuer) of a level
 * or in a group; else, with no filter, the units that adopted the directive (or, if none did, the issuer's
 * children).
 */
export const bindUnits = (
  engine: Engine,
  directive: DirectiveRecord,
  scope: TargetScopeSpec,
  view: ViewIndex,
  day: number,
): BoundUnits => {
  const h = engine.hierarchy;
  const index = (id: string) => h.indexOf(id);
  if (scope.units)
    return { units: scope.units.map(index).filter((u): u is number => u !== undefined), root: undefined };
  const under = scope.under === undefined ? directive.issuerUnit : index(scope.under);
  if (under === undefined) return { units: [], root: undefined };
  if (scope.level === undefined && scope.group === undefined) {
    const adopters = [...directive.adoptions.keys()].filter(
      (u) => h.isActive(u, day) && isUnder(engine, u, under, view, day),
    );
    if (adopters.length > 0) return { units: adopters, root: undefined };
    return {
      units: view === 0 ? h.childrenAt(under, day) : h.asIsChildren(under).filter((u) => h.isActive(u, day)),
      root: under,
    };
  }
  const units = subtreeUnits(engine, under, view, day).filter(
    (u) =>
      u !== under &&
      (scope.level === undefined || h.unit(u).level === scope.level) &&
      (scope.group === undefined || h.inGroupAt(u, scope.group, day)),
  );
  return { units, root: undefined };
};

const INDICATOR = { count: 'activities', turns: 'turns', people: 'people', headcount: 'headcount' } as const;

/** Takes a target's measure (count, turns, people, headcount) over a unit's subtree. */
export const takeMeasure = (engine: Engine, m: Measure, scope: MeasureScope): Measured => {
  const params =
    m.measure === 'headcount'
      ? { population: m.population, ...(m.channel === undefined ? {} : { channel: m.channel }) }
      : {
          ...(m.activityKind === undefined ? {} : { kind: m.activityKind }),
          ...(m.channel === undefined ? {} : { channel: m.channel }),
        };
  return measure(engine, INDICATOR[m.measure], params, scope);
};

/**
 * The same measure over several units taken together: sums for counts, turns and headcounts (units whose
 * ancestor is also listed are skipped, so nothing counts twice), a true union for distinct people.
 */
export const takeAggregate = (
  engine: Engine,
  m: Measure,
  units: readonly number[],
  view: ViewIndex,
  ranges: readonly DayRange[],
): Measured => {
  const day = ranges[ranges.length - 1]![1];
  const tops = units.filter(
    (u) => !units.some((other) => other !== u && isUnder(engine, u, other, view, day)),
  );
  if (m.measure === 'people') {
    const mask = engine.activities.slots.mask({ kind: m.activityKind, channel: m.channel });
    const sets = tops.flatMap((u) =>
      engine.people.collect(u, view, ranges, mask, engine.activities.slots.size),
    );
    const size = engine.people.union(sets);
    return { value: size.value, exact: size.exact };
  }
  let total = 0;
  let any = false;
  for (const u of tops) {
    const v = takeMeasure(engine, m, { node: u, view, ranges, ownOnly: false });
    if (v.value !== null) {
      total += v.value;
      any = true;
    }
  }
  return any || m.measure !== 'headcount'
    ? { value: total }
    : { value: null, reason: `no ${m.population} headcount reported` };
};

export type { Target };
