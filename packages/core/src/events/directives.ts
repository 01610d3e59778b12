import { z } from 'zod';
import { DateRange, DirectiveId, Slug, Text, UnitId } from './primitives.ts';
import { Target } from './targets.ts';

/** Vietnamese document kinds: KH plan, QĐ decision, BC report, NQ resolution, CT directive, KL conclusion, HD guidance. */
export const DirectiveKind = z.enum([
  'plan',
  'decision',
  'report',
  'resolution',
  'directive',
  'conclusion',
  'guidance',
]);

/** Who issued it: a unit in the hierarchy, or an outside authority named in words (e.g. the Prime Minister). */
export const Issuer = z.union([z.strictObject({ unitId: UnitId }), z.strictObject({ name: Text })]);

const uniqueTargetIds = (targets: readonly { targetId: string }[]) =>
  new Set(targets.map((t) => t.targetId)).size === targets.length;

export const DirectiveIssued = z
  .strictObject({
    directiveId: DirectiveId,
    /** The document number as printed, e.g. `149-KH/ĐTN`. */
    number: z.string().min(1).max(80),
    kind: DirectiveKind,
    title: Text,
    issuer: Issuer,
    period: DateRange.optional(),
    /** Directives this one implements ("Thực hiện Kế hoạch số …", "căn cứ …"). */
    implements: z.array(DirectiveId).default([]),
    targets: z.array(Target).default([]),
  })
  .refine((d) => uniqueTargetIds(d.targets), { message: 'targetIds must be unique', path: ['targets'] });

export const DirectiveAmended = z
  .strictObject({
    directiveId: DirectiveId,
    title: Text.optional(),
    period: DateRange.optional(),
    /** Targets added or replaced (matched by targetId). */
    setTargets: z.array(Target).default([]),
    removeTargets: z.array(Slug).default([]),
    reason: Text.optional(),
  })
  .refine((d) => uniqueTargetIds(d.setTargets), {
    message: 'targetIds must be unique',
    path: ['setTargets'],
  });

/** A unit takes the directive up (builds its implementation plan); `plan` names its own document if any. */
export const DirectiveAdopted = z.strictObject({
  directiveId: DirectiveId,
  unitId: UnitId,
  plan: z.string().min(1).max(80).optional(),
});

export const DirectiveWithdrawn = z.strictObject({ directiveId: DirectiveId, reason: Text.optional() });

export const directiveStream = (directiveId: string) => `directive-${directiveId}`;
