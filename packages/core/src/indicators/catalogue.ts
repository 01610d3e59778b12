import { z } from 'zod';
import { type IndicatorName, IndicatorParams } from './query.ts';

/** How an indicator combines across units and periods: what an analyst may do with its numbers. */
export type RollUp = 'additive' | 'distinct' | 'stock' | 'ratio' | 'share' | 'count';

interface IndicatorInfo {
  readonly title: string;
  readonly description: string;
  readonly rollUp: RollUp;
  readonly unit: string;
}

const INFO: Record<IndicatorName, IndicatorInfo> = {
  activities: {
    title: 'Activities',
    description: 'Number of activities recorded.',
    rollUp: 'additive',
    unit: 'activities',
  },
  turns: {
    title: 'Participation turns (lượt)',
    description: 'Sum of activity quantities: one person taking part twice counts twice.',
    rollUp: 'additive',
    unit: 'turns',
  },
  people: {
    title: 'Distinct people (người)',
    description: 'Distinct pseudonymous participants; unions across units and periods, never sums.',
    rollUp: 'distinct',
    unit: 'people',
  },
  headcount: {
    title: 'Headcount',
    description: "A population's last reported count on or before the period's end, summed over units.",
    rollUp: 'stock',
    unit: 'people',
  },
  'participation-rate': {
    title: 'Participation rate',
    description:
      "Distinct participants over the population's headcount at the period's end (a ratio of sums).",
    rollUp: 'ratio',
    unit: 'share',
  },
  units: {
    title: 'Units',
    description: "Units active at the period's end, optionally of one level.",
    rollUp: 'count',
    unit: 'units',
  },
  coverage: {
    title: 'Coverage',
    description: 'Share of the units of a level that adopted a directive, reported, or recorded an activity.',
    rollUp: 'share',
    unit: 'share',
  },
  cadence: {
    title: 'Cadence attainment',
    description: 'Share of (unit, sub-period) pairs with at least `min` activities of a kind.',
    rollUp: 'share',
    unit: 'share',
  },
  growth: {
    title: 'Growth',
    description: 'Relative change of a headcount from a baseline date to the period’s end.',
    rollUp: 'ratio',
    unit: 'share',
  },
  roster: {
    title: 'Role holders',
    description: "People holding roles on the subtree's bodies at the period's end.",
    rollUp: 'stock',
    unit: 'people',
  },
  'roster-changes': {
    title: 'Role changes',
    description: 'Roles assigned or vacated in the period, by reason.',
    rollUp: 'additive',
    unit: 'changes',
  },
  ratings: {
    title: 'Annual ratings',
    description: 'Ratings whose year falls in the period, optionally of one grade.',
    rollUp: 'additive',
    unit: 'ratings',
  },
  reports: {
    title: 'Reports submitted',
    description: 'Reports submitted in the period, optionally under one directive.',
    rollUp: 'additive',
    unit: 'reports',
  },
  'inspected-units': {
    title: 'Units inspected',
    description: 'Distinct units visited by inspections in the period.',
    rollUp: 'distinct',
    unit: 'units',
  },
};

/** Every indicator with its title, roll-up rule and the JSON Schema of its parameters. */
export const indicatorCatalogue = () =>
  (Object.keys(IndicatorParams) as IndicatorName[]).map((name) => ({
    name,
    ...INFO[name],
    params: z.toJSONSchema(IndicatorParams[name], { io: 'input' }),
  }));

export const indicatorInfo = (name: IndicatorName): IndicatorInfo => INFO[name];
