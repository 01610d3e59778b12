import { AS_IS, AS_WAS, type ViewIndex } from '../engine/activity-cube.ts';
import type { Engine } from '../engine/engine.ts';
import { InvalidQueryError, type Issue, NotFoundError } from '../errors.ts';
import type { ActivityKind } from '../events/activities.ts';
import { dateFromDay } from '../time/civil.ts';

/** Days [from, to], inclusive. */
export type DayRange = readonly [number, number];

/**
 * Where a measure is taken: a node, in a view, over day ranges; `ownOnly` keeps to the node's own records
 * (the "(itself)" row of a breakdown).
 */
export interface MeasureScope {
  readonly node: number;
  readonly view: ViewIndex;
  readonly ranges: readonly DayRange[];
  readonly ownOnly: boolean;
  /**
   * The day stocks are taken (headcounts, rosters, units): the period's end, also for breakdown rows whose
   * ranges stop earlier, so rows and total are taken on the same day.
   */
  readonly asOf?: number;
  /**
   * For a unit merged or split into the node `shareOf` (as-is view): take only the part of the unit's own
   * records that passes to that node.
   */
  readonly shareOf?: number;
}

/** The day a scope's stocks are taken. */
export const stockDay = (scope: MeasureScope): number =>
  scope.asOf ?? scope.ranges[scope.ranges.length - 1]![1];

export const viewIndex = (view: 'as-was' | 'as-is'): ViewIndex => (view === 'as-is' ? AS_IS : AS_WAS);

/** The unit a query names, checked for the view: in as-is it must still be a node of today's tree. */
export const resolveUnit = (engine: Engine, id: string, view: ViewIndex): number => {
  const h = engine.hierarchy;
  const u = h.indexOf(id);
  if (u === undefined) throw new NotFoundError('unit', id);
  if (view === AS_IS && !h.isAsIsNode(u)) {
    const end = h.unit(u).end!;
    const successors = h.asIsTargets(u).map((t) => h.unit(t.node).id);
    throw new InvalidQueryError([
      {
        path: 'unit',
        rule: 'not_in_todays_tree',
        message: `'${id}' ${end.kind === 'merged' ? 'was merged' : 'was split'} on ${dateFromDay(end.day)}; in the as-is view its history counts under ${successors.join(', ')}. Query that unit, or use view=as-was.`,
      },
    ]);
  }
  return u;
};

/** Whether unit u counts under `node` on `day` in the view. */
export const isUnder = (engine: Engine, u: number, node: number, view: ViewIndex, day: number): boolean => {
  const h = engine.hierarchy;
  if (view === AS_WAS) return h.isWithinAt(u, node, day);
  const target = h.primaryNode(u);
  return target === node || h.asIsAncestors(target, []).includes(node);
};

/** Units of the node's subtree on `day` (itself included): as the tree stood that day, or in today's tree. */
export const subtreeUnits = (engine: Engine, node: number, view: ViewIndex, day: number): number[] => {
  const h = engine.hierarchy;
  if (view === AS_WAS) return h.subtreeAt(node, day);
  return h.asIsSubtree(node).filter((u) => h.isActive(u, day));
};

/**
 * A breakdown by unit: the node's own records, then each child with the parts of the ranges during which
 * it was a child (as-was), or today's children over the whole ranges (as-is). Additive rows sum to the total.
 */
export const childScopes = (
  engine: Engine,
  scope: MeasureScope,
): { unit: number; scope: MeasureScope; own: boolean }[] => {
  const h = engine.hierarchy;
  const asOf = stockDay(scope);
  const rows: { unit: number; scope: MeasureScope; own: boolean }[] = [
    { unit: scope.node, own: true, scope: { ...scope, ownOnly: true, asOf } },
  ];
  if (scope.view === AS_IS) {
    for (const c of h.asIsChildren(scope.node))
      rows.push({ unit: c, own: false, scope: { ...scope, node: c, ownOnly: false, asOf } });
    for (const u of h.absorbedInto(scope.node)) {
      rows.push({
        unit: u,
        own: false,
        scope: { ...scope, node: u, ownOnly: true, asOf, shareOf: scope.node },
      });
    }
    return rows;
  }
  // Children that first came under the node after the scope's last day cannot have a row: skip them all at
  // once. Rows keep everChildren's order (the order children were first linked in).
  const lastDay = Math.max(...scope.ranges.map((r) => r[1]));
  const arrivals = h.childrenByArrival(scope.node);
  let n = 0;
  while (n < arrivals.children.length && arrivals.days[n]! <= lastDay) n++;
  const candidates =
    n === arrivals.children.length
      ? h.everChildren(scope.node)
      : Array.from({ length: n }, (_, i) => i)
          .sort((a, b) => arrivals.ranks[a]! - arrivals.ranks[b]!)
          .map((i) => arrivals.children[i]!);
  for (const c of candidates) {
    const ranges: DayRange[] = [];
    for (const [from, to] of scope.ranges) {
      for (const [a, b] of daysUnder(engine, c, scope.node)) {
        const lo = Math.max(a, from);
        const hi = Math.min(b, to);
        if (lo <= hi) ranges.push([lo, hi]);
      }
    }
    if (ranges.length > 0)
      rows.push({ unit: c, own: false, scope: { ...scope, node: c, ranges, ownOnly: false, asOf } });
  }
  return rows;
};

/** The stretches of days during which c was active and a direct child of `parent`. */
const daysUnder = (engine: Engine, c: number, parent: number): DayRange[] => {
  const r = engine.hierarchy.unit(c);
  const end = r.end?.day ?? Number.POSITIVE_INFINITY;
  const out: DayRange[] = [];
  r.parents.forEach((entry, i) => {
    if (entry.value !== parent) return;
    const from = Math.max(entry.from, r.registeredDay);
    const to = Math.min(r.parents[i + 1]?.from ?? Number.POSITIVE_INFINITY, end) - 1;
    if (from <= to) out.push([from, to]);
  });
  return out;
};

export const invalid = (path: string, rule: string, message: string): never => {
  throw new InvalidQueryError([{ path, rule, message } satisfies Issue]);
};

export const activityMask = (
  engine: Engine,
  params: { kind?: ActivityKind | undefined; channel?: string | undefined },
) => engine.activities.slots.mask({ kind: params.kind, channel: params.channel });
