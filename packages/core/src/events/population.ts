import { z } from 'zod';
import { ChannelId, Count, UnitId } from './primitives.ts';

/**
 * Populations a unit reports a headcount of. `followers` is per channel (likes/followers of a page);
 * `linked-members` are cadres and members linked to and interacting with the unit's official pages;
 * `trained-information-cadres` are information cadres who completed the required training.
 */
export const Population = z.enum([
  'members',
  'youth',
  'cadres',
  'information-cadres',
  'trained-information-cadres',
  'propagandists',
  'linked-members',
  'followers',
]);
export type Population = z.infer<typeof Population>;

/** A stock: `count` people of a population at the event's `occurredAt` date (the as-of date). */
export const HeadcountReported = z
  .strictObject({
    unitId: UnitId,
    population: Population,
    channel: ChannelId.optional(),
    count: Count,
  })
  .refine((h) => (h.population === 'followers') === (h.channel !== undefined), {
    message: 'channel is required for followers and only for followers',
    path: ['channel'],
  });

/** Version 1 named populations in Vietnamese; version 2 uses the English enumeration above. */
export const HeadcountReportedV1 = z.strictObject({
  unitId: UnitId,
  population: z.enum(['đoàn viên', 'thanh niên', 'cán bộ Đoàn', 'tuyên truyền viên']),
  count: Count,
});

export const headcountStream = (unitId: string) => `headcount-${unitId}`;
