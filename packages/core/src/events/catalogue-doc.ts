import { z } from 'zod';
import { definitionOf, EVENT_TYPES, type EventDefinition } from './catalogue.ts';
import { EventInputSchema } from './envelope.ts';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  pattern?: string;
  default?: unknown;
  additionalProperties?: JsonSchema | boolean;
};

const PATTERNS: Record<string, string> = {
  '^[a-z0-9][a-z0-9._:-]*$': 'slug (a-z 0-9 . _ : -)',
  '^[0-7][0-9A-HJKMNP-TV-Z]{25}$': 'ULID',
  '^[A-Za-z0-9_-]+$': 'pseudonymous id',
  '^\\d{4}-\\d{2}-\\d{2}$': 'date YYYY-MM-DD',
};

const FAMILIES: Record<EventDefinition['family'], string> = {
  organisation: 'Organisation',
  population: 'Population',
  directives: 'Directives and targets',
  activities: 'Activities',
  roster: 'Rosters',
  reporting: 'Reports, inspections and ratings',
};

/** A one-line description of a JSON Schema type, for a reference table. */
const describe = (s: JsonSchema): string => {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map(describe).join(' or ');
  const bits: string[] = [];
  const type = Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
  if (type === 'array')
    bits.push(
      `array of ${s.items ? describe(s.items) : 'any'}${s.minItems ? ` (at least ${s.minItems})` : ''}`,
    );
  else if (type === 'object' && s.properties) bits.push(`object {${Object.keys(s.properties).join(', ')}}`);
  else if (!(type === 'string' && s.pattern)) bits.push(type);
  if (s.minimum !== undefined && s.minimum > -9e15) bits.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined && s.maximum < 9e15) bits.push(`≤ ${s.maximum}`);
  if (s.pattern) bits.push(PATTERNS[s.pattern] ?? `pattern \`${s.pattern}\``);
  if (s.default !== undefined) bits.push(`default \`${JSON.stringify(s.default)}\``);
  return bits.join(', ');
};

const table = (schema: z.ZodType) => {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const props = json.properties ?? {};
  const required = new Set(json.required ?? []);
  const rows = Object.entries(props).map(
    ([name, p]) =>
      `| \`${name}\` | ${required.has(name) ? 'yes' : ''} | ${describe(p)} | ${(p.description ?? '').replace(/\n/g, ' ')} |`,
  );
  return ['| field | required | type | notes |', '|---|---|---|---|', ...rows].join('\n');
};

/** The event catalogue as Markdown, generated from the zod schemas so the reference cannot drift from the code. */
export const catalogueMarkdown = (): string => {
  const out: string[] = [
    '# Event catalogue (reference)',
    '',
    '<!-- Generated from packages/core/src/events by `pnpm docs:events`; a test fails when it is stale. -->',
    '',
    'Every fact chitieu knows is one of these events, appended to the log and never edited. A correction is a',
    'new event. Dates are Vietnamese civil time (Asia/Ho_Chi_Minh, UTC+7) unless an offset is given.',
    '',
    '## The envelope',
    '',
    table(EventInputSchema),
    '',
    'The store adds `position` (gap-free across the log), `version` (1-based within the stream) and',
    '`recordedAt` (when it was acknowledged). `occurredAt` is when the fact happened in the world: a date',
    '`YYYY-MM-DD`, an instant with an offset, or a local date-time read as Vietnamese time. For organisation',
    'events it is the effective date; for a headcount, the as-of date; for a report, when it was submitted.',
    '',
    'Each type belongs to one stream, derived from its data (below); a write to another stream is refused.',
    'An event stored at an older `schemaVersion` is read in the current shape through its upcasters.',
    '',
  ];
  let family = '';
  for (const type of EVENT_TYPES) {
    const def = definitionOf(type);
    if (def.family !== family) {
      family = def.family;
      out.push(`## ${FAMILIES[def.family]}`, '');
    }
    const stream = streamOf(def);
    out.push(
      `### \`${type}\` (version ${def.version})`,
      '',
      def.summary,
      '',
      `Stream: \`${stream}\`.`,
      '',
      table(def.schema),
      '',
    );
    for (const step of def.history) {
      out.push(
        `Version ${step.version} (read as version ${step.version + 1} through an upcaster):`,
        '',
        table(step.schema),
        '',
      );
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
};

const STREAMS: Record<string, string> = {
  'unit.': 'unit-<unitId>',
  'group.': 'group-<groupId>',
  'headcount.': 'headcount-<unitId>',
  'directive.': 'directive-<directiveId>',
  'activity.': 'activity-<activityId>',
  'body.': 'body-<bodyId>',
  'role.': 'body-<bodyId>',
  'report.': 'report-<reportId>',
  'inspection.': 'inspection-<inspectionId>',
  'rating.': 'rating-<unitId>',
};
const streamOf = (def: EventDefinition) =>
  Object.entries(STREAMS).find(([prefix]) => def.type.startsWith(prefix))?.[1] ?? '?';
