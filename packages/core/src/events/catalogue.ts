import type { z } from 'zod';
import {
  ActivityCorrected,
  ActivityRecorded,
  ActivityRecordedV1,
  ActivityVoided,
  activityStream,
} from './activities.ts';
import {
  DirectiveAdopted,
  DirectiveAmended,
  DirectiveIssued,
  DirectiveWithdrawn,
  directiveStream,
} from './directives.ts';
import {
  GroupDefined,
  groupStream,
  UnitDissolved,
  UnitJoinedGroup,
  UnitLeftGroup,
  UnitMerged,
  UnitMoved,
  UnitRegistered,
  UnitRenamed,
  UnitSplit,
  unitStream,
} from './organisation.ts';
import { HeadcountReported, HeadcountReportedV1, headcountStream } from './population.ts';
import {
  InspectionRecorded,
  inspectionStream,
  RatingRecorded,
  ReportSubmitted,
  ratingStream,
  reportStream,
} from './reporting.ts';
import { BodyConstituted, bodyStream, RoleAssigned, RoleVacated } from './roster.ts';

/** An older shape of an event's data and the function that lifts it to the next version. */
export interface SchemaStep {
  readonly version: number;
  readonly schema: z.ZodType;
  readonly upcast: (data: never) => unknown;
}

export interface EventDefinition<S extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly family: 'organisation' | 'population' | 'directives' | 'activities' | 'roster' | 'reporting';
  readonly summary: string;
  /** The current schema version; data at older versions is lifted through `history`. */
  readonly version: number;
  readonly schema: S;
  /** The stream every event of this type belongs to, derived from its data. */
  readonly stream: (data: z.output<S>) => string;
  /** Older versions, oldest first; each step lifts data from `version` to `version + 1`. */
  readonly history: readonly SchemaStep[];
}

const define = <S extends z.ZodType>(d: {
  type: string;
  family: EventDefinition['family'];
  summary: string;
  schema: S;
  stream: (data: z.output<S>) => string;
  history?: readonly SchemaStep[];
}): EventDefinition<S> => ({ ...d, history: d.history ?? [], version: (d.history?.length ?? 0) + 1 });

const byUnit = (d: { unitId: string }) => unitStream(d.unitId);
const byDirective = (d: { directiveId: string }) => directiveStream(d.directiveId);
const byActivity = (d: { activityId: string }) => activityStream(d.activityId);
const byBody = (d: { bodyId: string }) => bodyStream(d.bodyId);

const POPULATION_V1_TO_V2 = {
  'đoàn viên': 'members',
  'thanh niên': 'youth',
  'cán bộ Đoàn': 'cadres',
  'tuyên truyền viên': 'propagandists',
} as const;

/** Every event type chitieu records, in catalogue order. */
export const definitions = {
  'unit.registered': define({
    type: 'unit.registered',
    family: 'organisation',
    summary: 'A unit is founded or first recorded, under a parent, from `occurredAt`.',
    schema: UnitRegistered,
    stream: byUnit,
  }),
  'unit.renamed': define({
    type: 'unit.renamed',
    family: 'organisation',
    summary: 'A unit takes a new name from `occurredAt`.',
    schema: UnitRenamed,
    stream: byUnit,
  }),
  'unit.moved': define({
    type: 'unit.moved',
    family: 'organisation',
    summary: 'A unit passes to a new parent from `occurredAt`, with its subtree.',
    schema: UnitMoved,
    stream: byUnit,
  }),
  'unit.merged': define({
    type: 'unit.merged',
    family: 'organisation',
    summary: 'A unit is merged into another; it ceases and its children pass to the other.',
    schema: UnitMerged,
    stream: byUnit,
  }),
  'unit.split': define({
    type: 'unit.split',
    family: 'organisation',
    summary: 'A unit is divided among successors, which share its history by weight.',
    schema: UnitSplit,
    stream: byUnit,
  }),
  'unit.dissolved': define({
    type: 'unit.dissolved',
    family: 'organisation',
    summary: 'A unit ceases with no successor.',
    schema: UnitDissolved,
    stream: byUnit,
  }),
  'group.defined': define({
    type: 'group.defined',
    family: 'organisation',
    summary: 'A named group of units (e.g. the units linked to the district pages).',
    schema: GroupDefined,
    stream: (d) => groupStream(d.groupId),
  }),
  'unit.joined-group': define({
    type: 'unit.joined-group',
    family: 'organisation',
    summary: 'A unit joins a group from `occurredAt`.',
    schema: UnitJoinedGroup,
    stream: byUnit,
  }),
  'unit.left-group': define({
    type: 'unit.left-group',
    family: 'organisation',
    summary: 'A unit leaves a group from `occurredAt`.',
    schema: UnitLeftGroup,
    stream: byUnit,
  }),
  'headcount.reported': define({
    type: 'headcount.reported',
    family: 'population',
    summary: 'How many people of a population a unit had on the `occurredAt` date.',
    schema: HeadcountReported,
    stream: (d) => headcountStream(d.unitId),
    history: [
      {
        version: 1,
        schema: HeadcountReportedV1,
        upcast: (d: z.output<typeof HeadcountReportedV1>) => ({
          unitId: d.unitId,
          population: POPULATION_V1_TO_V2[d.population],
          count: d.count,
        }),
      },
    ],
  }),
  'directive.issued': define({
    type: 'directive.issued',
    family: 'directives',
    summary: 'A plan, decision or report is issued, with the directives it implements and its targets.',
    schema: DirectiveIssued,
    stream: byDirective,
  }),
  'directive.amended': define({
    type: 'directive.amended',
    family: 'directives',
    summary: 'A directive is amended: title, period, targets added, replaced or removed.',
    schema: DirectiveAmended,
    stream: byDirective,
  }),
  'directive.adopted': define({
    type: 'directive.adopted',
    family: 'directives',
    summary: 'A unit takes up a directive (builds its implementation plan).',
    schema: DirectiveAdopted,
    stream: byDirective,
  }),
  'directive.withdrawn': define({
    type: 'directive.withdrawn',
    family: 'directives',
    summary: 'A directive is withdrawn; its targets no longer bind from `occurredAt`.',
    schema: DirectiveWithdrawn,
    stream: byDirective,
  }),
  'activity.recorded': define({
    type: 'activity.recorded',
    family: 'activities',
    summary: 'A unit did something: its kind, channel, turns and (optionally) pseudonymous participants.',
    schema: ActivityRecorded,
    stream: byActivity,
    history: [
      {
        version: 1,
        schema: ActivityRecordedV1,
        upcast: (d: z.output<typeof ActivityRecordedV1>) => {
          const { turns, ...rest } = d;
          return { ...rest, quantity: turns };
        },
      },
    ],
  }),
  'activity.corrected': define({
    type: 'activity.corrected',
    family: 'activities',
    summary: 'Facts of an earlier activity are restated; the original stays in the log.',
    schema: ActivityCorrected,
    stream: byActivity,
  }),
  'activity.voided': define({
    type: 'activity.voided',
    family: 'activities',
    summary: 'An earlier activity is withdrawn from every figure.',
    schema: ActivityVoided,
    stream: byActivity,
  }),
  'body.constituted': define({
    type: 'body.constituted',
    family: 'roster',
    summary: 'A body that holds roles (committee, secretariat, collaborators) is set up in a unit.',
    schema: BodyConstituted,
    stream: byBody,
  }),
  'role.assigned': define({
    type: 'role.assigned',
    family: 'roster',
    summary: 'A person takes a role on a body (elected, by-election, appointed…).',
    schema: RoleAssigned,
    stream: byBody,
  }),
  'role.vacated': define({
    type: 'role.vacated',
    family: 'roster',
    summary: 'A person leaves a role on a body (withdrew, transferred…).',
    schema: RoleVacated,
    stream: byBody,
  }),
  'report.submitted': define({
    type: 'report.submitted',
    family: 'reporting',
    summary: 'A unit submits its report under a directive.',
    schema: ReportSubmitted,
    stream: (d) => reportStream(d.reportId),
  }),
  'inspection.recorded': define({
    type: 'inspection.recorded',
    family: 'reporting',
    summary: 'A unit inspects how others carried out a directive: who, when, what window, findings.',
    schema: InspectionRecorded,
    stream: (d) => inspectionStream(d.inspectionId),
  }),
  'rating.recorded': define({
    type: 'rating.recorded',
    family: 'reporting',
    summary: "A unit's annual grade.",
    schema: RatingRecorded,
    stream: (d) => ratingStream(d.unitId),
  }),
} as const;

export type Definitions = typeof definitions;
export type EventType = keyof Definitions;
/** The current data shape of each event type. */
export type EventDataMap = { [K in EventType]: z.output<Definitions[K]['schema']> };

export const EVENT_TYPES = Object.keys(definitions) as EventType[];

export const isEventType = (type: string): type is EventType => Object.hasOwn(definitions, type);

export const definitionOf = (type: EventType): EventDefinition =>
  definitions[type] as unknown as EventDefinition;

/** Lifts data stored at `fromVersion` to the current version of its type. */
export const upcastData = (type: EventType, fromVersion: number, data: unknown): unknown => {
  const def = definitionOf(type);
  let current = data;
  for (const step of def.history) {
    if (step.version >= fromVersion) current = (step.upcast as (d: unknown) => unknown)(current);
  }
  return current;
};

/** The schema that validates data written at `version` (undefined when the version is unknown). */
export const schemaAt = (type: EventType, version: number): z.ZodType | undefined => {
  const def = definitionOf(type);
  if (version === def.version) return def.schema;
  return def.history.find((s) => s.version === version)?.schema;
};
