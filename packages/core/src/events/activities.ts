import { z } from 'zod';
import {
  ActivityId,
  BodyId,
  ChannelId,
  Count,
  DirectiveId,
  PersonId,
  Text,
  UnitId,
  WorldTimeString,
} from './primitives.ts';

/**
 * What a unit did. The vocabulary of the union's reports: articles (tin bài), good-news items (tin tốt,
 * câu chuyện đẹp), stories, trend-setting online activities (hoạt động tạo trào lưu), trainings,
 * content reports (lượt report), education sessions, meetings, self-assessments, posts on a page, takedowns.
 */
export const ActivityKind = z.enum([
  'article',
  'good-news',
  'story',
  'trend-activity',
  'training',
  'content-report',
  'education',
  'meeting',
  'self-assessment',
  'post',
  'takedown',
]);
export type ActivityKind = z.infer<typeof ActivityKind>;

const MAX_PARTICIPANTS = 10_000;

const participants = z
  .array(PersonId)
  .max(
    MAX_PARTICIPANTS,
    `at most ${MAX_PARTICIPANTS} participants per activity; record larger events in parts`,
  )
  .refine((ids) => new Set(ids).size === ids.length, 'participant ids must be distinct within an activity');

/**
 * An activity and its size. `quantity` counts turns (lượt): one person taking part twice counts twice.
 * `participants` are pseudonymous ids of the distinct people behind those turns, when known.
 */
export const ActivityRecorded = z
  .strictObject({
    activityId: ActivityId,
    unitId: UnitId,
    kind: ActivityKind,
    channel: ChannelId.optional(),
    quantity: Count.default(1),
    participants: participants.optional(),
    bodyId: BodyId.optional(),
    directiveId: DirectiveId.optional(),
    title: Text.optional(),
  })
  .refine((a) => a.participants === undefined || a.participants.length <= a.quantity, {
    message: 'cannot have more distinct participants than turns (quantity)',
    path: ['participants'],
  });

/** Version 1 called the turns `turns` and had no channel. */
export const ActivityRecordedV1 = z.strictObject({
  activityId: ActivityId,
  unitId: UnitId,
  kind: ActivityKind,
  turns: Count,
  participants: participants.optional(),
});

/** The facts of an activity that a correction may restate. */
export const ActivityFacts = z.strictObject({
  unitId: UnitId,
  kind: ActivityKind,
  channel: ChannelId.nullable(),
  quantity: Count,
  participants: z.array(PersonId),
  occurredAt: WorldTimeString,
});
export type ActivityFacts = z.infer<typeof ActivityFacts>;

/**
 * Restates some facts of an earlier activity. The log keeps both: figures use the corrected facts from the
 * position of the correction on, and `knownAt` before it still sees the original. `previous` is the state
 * being replaced; the ledger fills it in when absent, and rejects it when it does not match.
 */
export const ActivityCorrected = z
  .strictObject({
    activityId: ActivityId,
    set: ActivityFacts.partial().refine((s) => Object.keys(s).length > 0, 'set at least one fact to correct'),
    previous: ActivityFacts.optional(),
    reason: Text,
  })
  .refine(
    (c) => c.set.participants === undefined || c.set.participants.length === new Set(c.set.participants).size,
    {
      message: 'participant ids must be distinct within an activity',
      path: ['set', 'participants'],
    },
  );

/** Withdraws an activity from every figure (from this position on). */
export const ActivityVoided = z.strictObject({
  activityId: ActivityId,
  previous: ActivityFacts.optional(),
  reason: Text,
});

export const activityStream = (activityId: string) => `activity-${activityId}`;
