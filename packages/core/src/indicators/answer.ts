import { AS_WAS } from '../engine/activity-cube.ts';
import type { Engine } from '../engine/engine.ts';
import { InvalidQueryError } from '../errors.ts';
import { issuesFromZod } from '../events/envelope.ts';
import { type Clock, dateFromDay } from '../time/civil.ts';
import { parsePeriod } from '../time/period-expressions.ts';
import { type Period, periodsIn } from '../time/periods.ts';
import { type Measured, measure } from './measures.ts';
import { type IndicatorName, IndicatorParams, IndicatorQuery, type View } from './query.ts';
import {
  activityMask,
  childScopes,
  invalid,
  isUnder,
  type MeasureScope,
  resolveUnit,
  viewIndex,
} from './scope.ts';

export interface ResultRow extends Measured {
  /** The row's key: a unit id, a period label, a kind or a channel. */
  readonly key: string;
  readonly label: string;
  /** For unit rows: true for the queried unit's own records (not its descendants'). */
  readonly own?: boolean;
}

export interface IndicatorResult extends Measured {
  readonly indicator: IndicatorName;
  readonly unit: { readonly id: string; readonly name: string; readonly level: string };
  readonly period: { readonly label: string; readonly from: string; readonly to: string };
  readonly view: View;
  readonly params: Readonly<Record<string, unknown>>;
  readonly by?: string;
  readonly rows?: readonly ResultRow[];
  /** The log position the answer reflects. */
  readonly position: number;
}

const ADDITIVE = new Set<IndicatorName>(['activities', 'turns']);
/** Indicators taken on the period's last day: a child no longer under the unit by then has no row. */
const AT_PERIOD_END = new Set<IndicatorName>(['headcount', 'units', 'roster', 'growth', 'coverage']);
const BY_KIND = new Set<IndicatorName>(['activities', 'turns', 'people']);

/** Parses and checks a query: the indicator's parameters and the period, resolved against the clock. */
export const parseIndicatorQuery = (input: unknown, clock: Clock) => {
  const q = IndicatorQuery.safeParse(input);
  if (!q.success) throw new InvalidQueryError(issuesFromZod('', q.error));
  const params = IndicatorParams[q.data.indicator].safeParse(q.data.params);
  if (!params.success) throw new InvalidQueryError(issuesFromZod('params', params.error));
  const period = parsePeriod(q.data.period, clock);
  if (q.data.by === 'period' && q.data.grain === undefined)
    invalid('grain', 'required', 'by=period needs a grain');
  if ((q.data.by === 'kind' || q.data.by === 'channel') && !BY_KIND.has(q.data.indicator)) {
    invalid('by', 'unsupported', `${q.data.indicator} cannot be broken down by ${q.data.by}`);
  }
  return { ...q.data, params: params.data as Record<string, unknown>, periodValue: period };
};

export type ParsedIndicatorQuery = ReturnType<typeof parseIndicatorQuery>;

/** Answers an indicator query from the engine's projections; never reads the log. */
export const answerIndicator = (engine: Engine, input: unknown, clock: Clock): IndicatorResult => {
  const q = parseIndicatorQuery(input, clock);
  return answerParsed(engine, q);
};

export const answerParsed = (engine: Engine, q: ParsedIndicatorQuery): IndicatorResult => {
  const view = viewIndex(q.view);
  const node = resolveUnit(engine, q.unit, view);
  const period: Period = q.periodValue;
  const scope: MeasureScope = { node, view, ranges: [[period.from, period.to]], ownOnly: false };
  const total = measure(engine, q.indicator, q.params, scope);
  const h = engine.hierarchy;
  const rows = q.by === undefined ? undefined : breakdown(engine, q, scope);
  return {
    indicator: q.indicator,
    unit: { id: q.unit, name: h.nameAt(node, period.to), level: h.unit(node).level },
    period: { label: period.label, from: dateFromDay(period.from), to: dateFromDay(period.to) },
    view: q.view,
    params: q.params,
    ...total,
    ...(q.by === undefined ? {} : { by: q.by }),
    ...(rows === undefined ? {} : { rows }),
    position: engine.position,
  };
};

const breakdown = (engine: Engine, q: ParsedIndicatorQuery, scope: MeasureScope): ResultRow[] => {
  const h = engine.hierarchy;
  switch (q.by) {
    case 'unit':
      return (
        childScopes(engine, scope)
          // A stock is taken at the period's end, so only a child still a child then has a row (as-was, one
          // that moved deeper, under a sibling, counts in the sibling's row); a unit divided among successors
          // has one for its share in each (it is under its primary successor only).
          .filter(
            ({ unit, own, scope: s }) =>
              own ||
              s.shareOf !== undefined ||
              !AT_PERIOD_END.has(q.indicator) ||
              (scope.view === AS_WAS
                ? h.isActive(unit, q.periodValue.to) && h.parentAt(unit, q.periodValue.to) === scope.node
                : isUnder(engine, unit, scope.node, scope.view, q.periodValue.to)),
          )
          .map(({ unit, scope: s, own }) => ({
            key: h.unit(unit).id,
            label: own
              ? `${h.nameAt(unit, s.ranges[0]![1])} (itself)`
              : h.nameAt(unit, s.ranges[s.ranges.length - 1]![1]),
            own,
            ...measure(engine, q.indicator, q.params, s),
          }))
          .filter((r) => r.own || !ADDITIVE.has(q.indicator) || r.value !== 0)
      );
    case 'period':
      return periodsIn({ from: q.periodValue.from, to: q.periodValue.to }, q.grain!).map((p) => {
        const from = Math.max(p.from, q.periodValue.from);
        const to = Math.min(p.to, q.periodValue.to);
        return {
          key: p.label,
          label: p.label,
          ...measure(engine, q.indicator, q.params, { ...scope, ranges: [[from, to]] }),
        };
      });
    case 'kind':
    case 'channel': {
      const values = new Set(
        engine.activities.slots
          .entries()
          .map((e) => (q.by === 'kind' ? e.kind : e.channel))
          .filter((v) => v !== undefined),
      );
      const base = q.params as { kind?: string; channel?: string };
      return [...values]
        .filter((v) =>
          q.by === 'kind'
            ? base.kind === undefined || base.kind === v
            : base.channel === undefined || base.channel === v,
        )
        .sort()
        .map((v) => ({
          key: v!,
          label: v!,
          ...measure(engine, q.indicator, { ...q.params, [q.by!]: v }, scope),
        }))
        .filter((r) => r.value !== 0);
    }
    default:
      return [];
  }
};

export interface Explanation {
  readonly result: IndicatorResult;
  /** Log positions of the events behind the queried unit's own records, in log order. */
  readonly positions: readonly number[];
  /** The figure's contributing units (own records first, then each child's subtree). */
  readonly rows: readonly ResultRow[];
}

/**
 * Drills a figure down: the value, then the contributing units (own records and each child's subtree),
 * then the positions of the events behind the unit's own records, for the caller to read from the log.
 */
export const explainIndicator = (engine: Engine, input: unknown, clock: Clock): Explanation => {
  const q = parseIndicatorQuery({ ...(input as object), by: 'unit' }, clock);
  const result = answerParsed(engine, q);
  const node = engine.hierarchy.indexOf(q.unit)!;
  const isActivityMeasure = BY_KIND.has(q.indicator) || q.indicator === 'participation-rate';
  const mask = isActivityMeasure
    ? activityMask(engine, q.params as { kind?: never; channel?: string })
    : null;
  const positions = isActivityMeasure
    ? engine.contributions.positions(node, q.periodValue.from, q.periodValue.to, mask)
    : [];
  return { result, positions, rows: result.rows ?? [] };
};
