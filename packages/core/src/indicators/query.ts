import { z } from 'zod';
import { ActivityKind } from '../events/activities.ts';
import { Level } from '../events/organisation.ts';
import { Population } from '../events/population.ts';
import { ChannelId, DirectiveId, IsoDate, Slug, UnitId } from '../events/primitives.ts';
import { Grade } from '../events/reporting.ts';
import { AssignReason, BodyKind, Role, VacateReason } from '../events/roster.ts';
import { CadenceUnit } from '../events/targets.ts';

/**
 * Which tree a figure is counted in. `as-was`: each event counts under the unit that received it, in the
 * tree as it stood on the day it happened. `as-is`: all history is re-attributed along moves, merges and
 * splits to today's tree.
 */
export const View = z.enum(['as-was', 'as-is']);
export type View = z.infer<typeof View>;

export const Breakdown = z.enum(['unit', 'period', 'kind', 'channel']);
export type Breakdown = z.infer<typeof Breakdown>;

export const PeriodGrain = z.enum(['day', 'week', 'month', 'quarter', 'half', 'year']);

const activityFilter = {
  kind: ActivityKind.optional(),
  channel: ChannelId.optional(),
};

/** Each indicator and the parameters it takes. */
export const IndicatorParams = {
  /** Number of activities (additive). */
  activities: z.strictObject(activityFilter),
  /** Participation turns, lượt (additive). */
  turns: z.strictObject(activityFilter),
  /** Distinct participants, người (unions, never sums). */
  people: z.strictObject(activityFilter),
  /** A population's headcount at the end of the period (a stock: last value per unit, summed over units). */
  headcount: z.strictObject({ population: Population, channel: ChannelId.optional() }),
  /** Distinct participants over the population's headcount at the period's end (ratio of sums). */
  'participation-rate': z.strictObject({ ...activityFilter, population: Population }),
  /** Units active at the period's end (optionally of one level). */
  units: z.strictObject({ level: Level.optional() }),
  /** Share of the units of a level that did something in the period. */
  coverage: z.strictObject({
    level: Level,
    predicate: z.enum(['adopted', 'activity', 'reported']),
    directive: DirectiveId.optional(),
    kind: ActivityKind.optional(),
    channel: ChannelId.optional(),
    min: z.number().int().positive().optional(),
  }),
  /** Share of (unit, sub-period) pairs in which a unit's subtree did at least `min` activities of a kind. */
  cadence: z.strictObject({
    kind: ActivityKind,
    channel: ChannelId.optional(),
    min: z.number().int().positive(),
    per: CadenceUnit,
    /** Units of this level in the subtree; without it, the queried unit alone. */
    level: Level.optional(),
  }),
  /** Relative change of a headcount from a baseline date to the period's end. */
  growth: z.strictObject({ population: Population, channel: ChannelId.optional(), baseline: IsoDate }),
  /** People holding roles at the period's end on the bodies of the units in the subtree. */
  roster: z.strictObject({
    /** Only bodies of units of this level (e.g. the district-level committees under a province). */
    level: Level.optional(),
    body: Slug.optional(),
    bodyKind: BodyKind.optional(),
    programme: z.string().optional(),
    role: Role.optional(),
  }),
  /** Role changes in the period. */
  'roster-changes': z.strictObject({
    change: z.enum(['assigned', 'vacated']),
    level: Level.optional(),
    reason: z.union([AssignReason, VacateReason]).optional(),
    body: Slug.optional(),
    bodyKind: BodyKind.optional(),
    programme: z.string().optional(),
    role: Role.optional(),
  }),
  /** Annual ratings whose year falls in the period. */
  ratings: z.strictObject({ grade: Grade.optional() }),
  /** Reports submitted in the period. */
  reports: z.strictObject({ directive: DirectiveId.optional() }),
  /** Distinct units inspected (visits in the period). */
  'inspected-units': z.strictObject({ directive: DirectiveId.optional() }),
} as const;

export type IndicatorName = keyof typeof IndicatorParams;
export const INDICATOR_NAMES = Object.keys(IndicatorParams) as IndicatorName[];
export const IndicatorName = z.enum(INDICATOR_NAMES as [IndicatorName, ...IndicatorName[]]);

/** A log position, or an instant: the answer as the log stood then. */
export const KnownAt = z.union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })]);

/** A question for the engine: one indicator, for one unit's subtree, over one period. */
export const IndicatorQuery = z.strictObject({
  indicator: IndicatorName,
  unit: UnitId,
  /** A period expression: `2024`, `2024-Q3`, `2024-W05`, `2023-05-01..2023-10-03`, `last-12-months`… */
  period: z.string().min(1),
  view: View.default('as-was'),
  knownAt: KnownAt.optional(),
  by: Breakdown.optional(),
  /** The sub-period size for `by: 'period'`. */
  grain: PeriodGrain.optional(),
  params: z.record(z.string(), z.unknown()).default({}),
});
export type IndicatorQuery = z.input<typeof IndicatorQuery>;

/** Evaluate a directive's target against actuals, as of a date (default: today per the clock). */
export const TargetQuery = z.strictObject({
  directive: DirectiveId,
  targetId: Slug,
  asOf: IsoDate.optional(),
  view: View.default('as-was'),
  knownAt: KnownAt.optional(),
});
export type TargetQuery = z.input<typeof TargetQuery>;

/** The verdict on a target. */
export const TargetStatus = z.enum(['met', 'not-met', 'on-track', 'at-risk', 'no-data']);
export type TargetStatus = z.infer<typeof TargetStatus>;
