import { z } from 'zod';
import { BodyId, DateRange, PersonId, Text, UnitId } from './primitives.ts';

/** Bodies that hold roles: executive committees (BCH), standing committees, steering committees (BCĐ 35)… */
export const BodyKind = z.enum([
  'executive-committee',
  'standing-committee',
  'steering-committee',
  'secretariat',
  'collaborators',
  'inspection-committee',
]);
export type BodyKind = z.infer<typeof BodyKind>;

export const Role = z.enum([
  'secretary',
  'deputy-secretary',
  'member',
  'head',
  'deputy-head',
  'secretariat',
  'collaborator',
]);
export type Role = z.infer<typeof Role>;

export const AssignReason = z.enum([
  'elected',
  'by-election',
  'appointed',
  'co-opted',
  'transferred-in',
  'founding',
]);
export const VacateReason = z.enum([
  'withdrew',
  'transferred',
  'resigned',
  'dismissed',
  'term-ended',
  'promoted',
  'other',
]);

export const BodyConstituted = z.strictObject({
  bodyId: BodyId,
  unitId: UnitId,
  kind: BodyKind,
  name: Text,
  /** e.g. "35" for the steering committees under Resolution 35-NQ/TW. */
  programme: z.string().min(1).max(40).optional(),
  term: DateRange.optional(),
});

export const RoleAssigned = z.strictObject({
  bodyId: BodyId,
  personId: PersonId,
  role: Role,
  reason: AssignReason,
});
export const RoleVacated = z.strictObject({
  bodyId: BodyId,
  personId: PersonId,
  role: Role,
  reason: VacateReason,
  note: Text.optional(),
});

export const bodyStream = (bodyId: string) => `body-${bodyId}`;
