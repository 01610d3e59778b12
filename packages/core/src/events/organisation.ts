import { z } from 'zod';
import { GroupId, Slug, Text, UnitId } from './primitives.ts';

/** The tiers of the union, from the centre to the branch. */
export const Level = z.enum(['central', 'province', 'bloc', 'district', 'grassroots', 'branch']);
export type Level = z.infer<typeof Level>;

/**
 * Depth rank of each level: a child must rank deeper than its parent. Blocs and districts share a rank:
 * both sit between a province (or the centre) and grassroots units.
 */
export const LEVEL_RANK: Readonly<Record<Level, number>> = {
  central: 0,
  province: 1,
  bloc: 2,
  district: 2,
  grassroots: 3,
  branch: 4,
};

export const UnitRegistered = z.strictObject({
  unitId: UnitId,
  name: Text,
  level: Level,
  /** null only for a root (the central union, or an organisation whose parent is not recorded). */
  parentId: UnitId.nullable(),
  shortName: Text.optional(),
});

export const UnitRenamed = z.strictObject({ unitId: UnitId, name: Text, shortName: Text.optional() });

export const UnitMoved = z.strictObject({ unitId: UnitId, parentId: UnitId });

/** The unit ceases; its children pass to `intoId`, and (in the as-is view) so does its history. */
export const UnitMerged = z.strictObject({ unitId: UnitId, intoId: UnitId });

/**
 * The unit ceases and is divided among successors. `weight`s say how its history divides in the as-is
 * view (additive figures are apportioned by weight); `historyTo` names the successor that keeps what
 * cannot be divided (distinct people) and, by default, the unit's children.
 */
export const UnitSplit = z
  .strictObject({
    unitId: UnitId,
    into: z
      .array(z.strictObject({ unitId: UnitId, weight: z.number().positive('must be positive') }))
      .min(2, 'a split needs at least two successors'),
    historyTo: UnitId,
    /** Where each child goes; children not named follow `historyTo`. */
    children: z.record(UnitId, UnitId).optional(),
  })
  .refine((s) => s.into.some((i) => i.unitId === s.historyTo), {
    message: 'historyTo must be one of the successors in into',
    path: ['historyTo'],
  })
  .refine((s) => new Set(s.into.map((i) => i.unitId)).size === s.into.length, {
    message: 'successors must be distinct',
    path: ['into'],
  });

/** The unit ceases with no successor; it must have no active children left. */
export const UnitDissolved = z.strictObject({ unitId: UnitId, reason: Text.optional() });

export const GroupDefined = z.strictObject({ groupId: GroupId, name: Text, description: Text.optional() });
export const UnitJoinedGroup = z.strictObject({ unitId: UnitId, groupId: GroupId });
export const UnitLeftGroup = z.strictObject({ unitId: UnitId, groupId: GroupId });

export const unitStream = (unitId: string) => `unit-${unitId}`;
export const groupStream = (groupId: string) => `group-${groupId}`;
export { Slug };
