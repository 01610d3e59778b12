import { z } from 'zod';
import { ActivityKind } from './activities.ts';
import { Level } from './organisation.ts';
import { Population } from './population.ts';
import {
  ChannelId,
  DateRange,
  GroupId,
  IsoDate,
  Share,
  Slug,
  Text,
  UnitId,
  WorldTimeString,
} from './primitives.ts';

/**
 * Which units a target binds. With nothing set, the units below the issuing unit that adopt the directive;
 * `level` narrows to one tier, `units` names them, `group` takes a group's members.
 */
export const Scope = z.strictObject({
  under: UnitId.optional(),
  level: Level.optional(),
  units: z.array(UnitId).min(1).optional(),
  group: GroupId.optional(),
});
export type Scope = z.infer<typeof Scope>;

const ActivityFilter = {
  activityKind: ActivityKind.optional(),
  channel: ChannelId.optional(),
};

/** A quantity a target compares: activity count, turns (lượt), distinct people (người), or a headcount. */
export const Measure = z.discriminatedUnion('measure', [
  z.strictObject({ measure: z.literal('count'), ...ActivityFilter }),
  z.strictObject({ measure: z.literal('turns'), ...ActivityFilter }),
  z.strictObject({ measure: z.literal('people'), ...ActivityFilter }),
  z.strictObject({ measure: z.literal('headcount'), population: Population, channel: ChannelId.optional() }),
]);
export type Measure = z.infer<typeof Measure>;

const base = {
  targetId: Slug,
  title: Text.optional(),
  appliesTo: Scope.default({}),
  /** Defaults to the directive's period. */
  period: DateRange.optional(),
};
/** Whether each unit in scope must meet the target, or the scope as a whole. */
const Per = z.enum(['unit', 'aggregate']);

/** The units a unit predicate can ask of: did the unit do X (in the target's period)? */
export const UnitPredicate = z.discriminatedUnion('predicate', [
  /** The unit adopted the directive (or issued its own plan implementing it). */
  z.strictObject({ predicate: z.literal('adopted') }),
  /** The unit met another, per-unit target of the same directive. */
  z.strictObject({ predicate: z.literal('target-met'), targetId: Slug }),
  /** The unit recorded at least `min` activities of a kind. */
  z.strictObject({
    predicate: z.literal('activity'),
    activityKind: ActivityKind,
    channel: ChannelId.optional(),
    min: z.number().int().positive().default(1),
  }),
  /** The unit submitted a report under the directive. */
  z.strictObject({ predicate: z.literal('reported') }),
]);
export type UnitPredicate = z.infer<typeof UnitPredicate>;

export const CoverageTarget = z.strictObject({
  ...base,
  kind: z.literal('coverage'),
  predicate: UnitPredicate,
  /** The share of units in scope that must satisfy the predicate (100% = 1). */
  min: Share,
  by: IsoDate.optional(),
});

export const RatioBandTarget = z
  .strictObject({
    ...base,
    kind: z.literal('ratio-band'),
    per: Per.default('unit'),
    numerator: Measure,
    denominator: Measure,
    min: Share.optional(),
    max: Share.optional(),
  })
  .refine((t) => t.min !== undefined || t.max !== undefined, {
    message: 'set min, max or both',
    path: ['min'],
  })
  .refine((t) => t.min === undefined || t.max === undefined || t.min <= t.max, {
    message: 'min must not exceed max',
    path: ['max'],
  });

export const CadenceUnit = z.enum(['day', 'week', 'month', 'quarter', 'year']);
export type CadenceUnit = z.infer<typeof CadenceUnit>;

/** At least `min` activities of a kind in every `per` (day, ISO week, …) of the period. */
export const CadenceTarget = z.strictObject({
  ...base,
  kind: z.literal('cadence'),
  activityKind: ActivityKind,
  channel: ChannelId.optional(),
  min: z.number().int().positive(),
  per: CadenceUnit,
  /** The share of sub-periods that must meet `min` for the target to count as met (default: all of them). */
  attainment: Share.default(1),
  perUnit: z.boolean().default(true),
});

export const MinimumCountTarget = z.strictObject({
  ...base,
  kind: z.literal('minimum-count'),
  per: Per.default('unit'),
  measure: Measure,
  min: z.number().nonnegative(),
});

export const PopulationShareTarget = z.strictObject({
  ...base,
  kind: z.literal('population-share'),
  per: Per.default('aggregate'),
  numerator: Measure,
  denominator: Measure,
  min: Share,
  by: IsoDate,
});

export const GrowthTarget = z.strictObject({
  ...base,
  kind: z.literal('growth'),
  per: Per.default('aggregate'),
  measure: Measure,
  /** Growth per `every` (0.05 = +5%), compounded unless `compounding` is false. */
  rate: z.number().gt(-1, 'must be above -1 (-100%)'),
  every: z.enum(['month', 'quarter', 'year']).default('year'),
  compounding: z.boolean().default(true),
  /** The date whose value is the baseline. */
  baseline: IsoDate,
  by: IsoDate,
});

/** Results reported to `to` strictly before `dueBefore` ("trước ngày 25/11/2024"). */
export const ReportDeadlineTarget = z.strictObject({
  ...base,
  kind: z.literal('report-deadline'),
  dueBefore: WorldTimeString,
  to: UnitId.optional(),
});

export const Target = z.discriminatedUnion('kind', [
  CoverageTarget,
  RatioBandTarget,
  CadenceTarget,
  MinimumCountTarget,
  PopulationShareTarget,
  GrowthTarget,
  ReportDeadlineTarget,
]);
export type Target = z.infer<typeof Target>;
export type TargetKind = Target['kind'];
