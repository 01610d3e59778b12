import { z } from 'zod';
import { DateRange, DirectiveId, Slug, Text, UnitId } from './primitives.ts';

/** A unit sent its report (báo cáo) under a directive; `occurredAt` is when it was submitted. */
export const ReportSubmitted = z.strictObject({
  reportId: Slug,
  unitId: UnitId,
  directiveId: DirectiveId,
  period: DateRange,
  to: UnitId.optional(),
  number: z.string().min(1).max(80).optional(),
});

/** An inspection (kiểm tra) by one unit of how others carried out a directive. */
export const InspectionRecorded = z.strictObject({
  inspectionId: Slug,
  inspectingUnitId: UnitId,
  /** The directive whose implementation was inspected. */
  directiveId: DirectiveId,
  /** The inspection plan it was carried out under, if any. */
  underDirectiveId: DirectiveId.optional(),
  inspectedUnitIds: z
    .array(UnitId)
    .min(1)
    .refine((ids) => new Set(ids).size === ids.length, 'inspected units must be distinct'),
  /** The days of the visits. */
  visits: DateRange,
  /** The window of activity examined. */
  window: DateRange,
  contents: z.array(Text).default([]),
  findings: z
    .array(z.strictObject({ unitId: UnitId.optional(), topic: Text.optional(), finding: Text }))
    .default([]),
});

/** Annual grading (xếp loại) of a unit. */
export const Grade = z.enum(['excellent', 'good', 'completed', 'not-completed']);
export const RatingRecorded = z.strictObject({
  unitId: UnitId,
  year: z.number().int().min(1931).max(2199),
  grade: Grade,
  grantedBy: UnitId.optional(),
  note: Text.optional(),
});

export const reportStream = (reportId: string) => `report-${reportId}`;
export const inspectionStream = (inspectionId: string) => `inspection-${inspectionId}`;
export const ratingStream = (unitId: string) => `rating-${unitId}`;
