import { definitions, EventInputSchema, type EventType, Meta } from '@chitieu/core';

/**
 * The OpenAPI schema components. Event envelopes and event data come from the core's zod schemas (so the
 * document cannot drift from what the core accepts); response shapes, which are plain TypeScript types in
 * the core, are written out here.
 */

type Json = Record<string, unknown>;

/** A zod schema as an OpenAPI 3.1 schema object (JSON Schema 2020-12 without the `$schema` marker). */
const fromZod = (schema: { toJSONSchema(o: { io: 'input' }): unknown }): Json => {
  const { $schema: _, ...rest } = schema.toJSONSchema({ io: 'input' }) as Json;
  return rest;
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const eventSchemaName = (type: string) => `Event.${type}`;
const dataSchemaName = (type: string) => `EventData.${type}`;

const eventSchemas = (): Json => {
  const envelope = fromZod(EventInputSchema) as { properties: Json; required: string[] };
  const out: Json = {};
  for (const [type, def] of Object.entries(definitions)) {
    const versions = [fromZod(def.schema), ...def.history.map((h) => fromZod(h.schema))];
    out[dataSchemaName(type)] = {
      description: `${def.summary} Current shape (schemaVersion ${def.version})${versions.length > 1 ? ', or an older one with its schemaVersion' : ''}.`,
      ...(versions.length > 1 ? { anyOf: versions } : versions[0]),
    };
    out[eventSchemaName(type)] = {
      type: 'object',
      description: def.summary,
      properties: {
        ...envelope.properties,
        type: { const: type },
        data: ref(dataSchemaName(type)),
        meta: ref('Meta'),
      },
      required: envelope.required,
      additionalProperties: false,
    };
  }
  return out;
};

const TYPES = Object.keys(definitions) as EventType[];

const measured = {
  value: {
    type: ['number', 'null'],
    description: 'null with a reason where there is nothing to measure, or the figure is suppressed',
  },
  reason: { type: 'string' },
  exact: { type: 'boolean', description: 'false for a distinct count estimated by a sketch' },
  relativeError: { type: 'number' },
  detail: {
    type: 'object',
    description: 'the numbers behind the value (numerator, denominator, per-unit results…)',
  },
  suppressed: {
    type: 'boolean',
    description: 'true when the value was withheld to protect small counts of people',
  },
};

/** Every schema component of the document. */
export const schemaComponents = (): Json => ({
  Issue: {
    type: 'object',
    properties: {
      path: { type: 'string', description: 'dotted path into the request, e.g. events.3.data.quantity' },
      rule: { type: 'string', description: 'stable rule name, e.g. too_small, unknown_unit' },
      message: { type: 'string' },
    },
    required: ['path', 'rule', 'message'],
  },
  Problem: {
    type: 'object',
    description:
      'RFC 9457 problem details; `code` is stable and `type` is https://chitieu.dev/problems/<code>.',
    properties: {
      type: { type: 'string', format: 'uri' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      code: { type: 'string' },
      instance: { type: 'string' },
      issues: { type: 'array', items: ref('Issue') },
    },
    required: ['type', 'title', 'status', 'detail', 'code'],
  },
  Meta: fromZod(Meta),
  ...eventSchemas(),
  EventInput: {
    description:
      'An event as a client submits it; `id` (a ULID) makes retries idempotent across restarts and nodes.',
    oneOf: TYPES.map((t) => ref(eventSchemaName(t))),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(TYPES.map((t) => [t, `#/components/schemas/${eventSchemaName(t)}`])),
    },
  },
  StreamWrite: {
    type: 'object',
    properties: {
      stream: { type: 'string' },
      events: { type: 'array', items: ref('EventInput') },
      expectedVersion: {
        oneOf: [
          { type: 'integer', minimum: 0 },
          { type: 'string', enum: ['any', 'no-stream', 'stream-exists'] },
        ],
      },
    },
    required: ['stream', 'events'],
    additionalProperties: false,
  },
  AppendRequest: {
    oneOf: [
      {
        type: 'object',
        properties: { events: { type: 'array', items: ref('EventInput'), minItems: 1 } },
        required: ['events'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: { writes: { type: 'array', items: ref('StreamWrite'), minItems: 1 } },
        required: ['writes'],
        additionalProperties: false,
      },
    ],
  },
  AppendResult: {
    type: 'object',
    properties: {
      positions: { type: 'array', items: { type: 'integer' } },
      ids: { type: 'array', items: { type: 'string' } },
      head: { type: 'integer' },
      duplicate: {
        type: 'boolean',
        description: 'true when the batch repeated an earlier append (same ids)',
      },
    },
    required: ['positions', 'ids', 'head', 'duplicate'],
  },
  StoredEvent: {
    type: 'object',
    description:
      'An event as the log holds it, lifted to the current schema. Redacted: `participants` lists become `participantCount`; roster `personId`s are dropped (`personRedacted: true`).',
    properties: {
      id: { type: 'string' },
      type: { type: 'string', enum: TYPES },
      schemaVersion: { type: 'integer' },
      stream: { type: 'string' },
      version: { type: 'integer' },
      position: { type: 'integer' },
      occurredAt: { type: 'string' },
      recordedAt: { type: 'string', format: 'date-time' },
      data: { type: 'object' },
      meta: ref('Meta'),
    },
    required: [
      'id',
      'type',
      'schemaVersion',
      'stream',
      'version',
      'position',
      'occurredAt',
      'recordedAt',
      'data',
    ],
  },
  EventPage: {
    type: 'object',
    properties: {
      events: { type: 'array', items: ref('StoredEvent') },
      next: {
        type: 'string',
        description: 'opaque cursor: pass as `after` to continue (also once more events arrive)',
      },
      hasMore: { type: 'boolean' },
      position: { type: 'integer', description: 'the log position this answer reflects' },
    },
    required: ['events', 'next', 'hasMore', 'position'],
  },
  UnitNode: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      level: { type: 'string' },
      dissolved: { type: 'string', format: 'date' },
      children: { type: 'array', items: ref('UnitNode') },
    },
    required: ['id', 'name', 'level', 'children'],
  },
  UnitTree: {
    type: 'object',
    properties: {
      asOf: { type: 'string', format: 'date' },
      view: { type: 'string', enum: ['as-was', 'as-is'] },
      position: { type: 'integer' },
      units: { type: 'array', items: ref('UnitNode') },
    },
    required: ['asOf', 'view', 'position', 'units'],
  },
  UnitDetail: {
    type: 'object',
    description: 'A unit with its whole history: names, parents, end and successors, groups and bodies.',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      level: { type: 'string' },
      registered: { type: 'string', format: 'date' },
      names: { type: 'array', items: { type: 'object' } },
      parents: { type: 'array', items: { type: 'object' } },
      end: { type: 'object' },
      asIs: { type: 'array', items: { type: 'object' } },
      groups: { type: 'array', items: { type: 'object' } },
      bodies: { type: 'array', items: { type: 'object' } },
      position: { type: 'integer' },
    },
    required: ['id', 'name', 'level', 'registered', 'names', 'parents', 'position'],
  },
  Inspection: {
    type: 'object',
    description: 'An inspection of how units carried out a directive.',
    properties: {
      id: { type: 'string' },
      inspectingUnitId: { type: 'string' },
      directiveId: { type: 'string' },
      underDirectiveId: { type: 'string' },
      inspectedUnitIds: { type: 'array', items: { type: 'string' } },
      visits: ref('DateRange'),
      window: ref('DateRange'),
      contents: { type: 'array', items: { type: 'string' } },
      findings: { type: 'array', items: { type: 'object' } },
      position: { type: 'integer' },
    },
    required: [
      'id',
      'inspectingUnitId',
      'directiveId',
      'inspectedUnitIds',
      'visits',
      'window',
      'contents',
      'findings',
      'position',
    ],
  },
  InspectionList: {
    type: 'object',
    properties: {
      position: { type: 'integer' },
      inspections: { type: 'array', items: ref('Inspection') },
    },
    required: ['position', 'inspections'],
  },
  DateRange: {
    type: 'object',
    properties: { from: { type: 'string', format: 'date' }, to: { type: 'string', format: 'date' } },
    required: ['from', 'to'],
  },
  DirectiveSummary: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      number: { type: 'string' },
      kind: { type: 'string' },
      title: { type: 'string' },
      issuer: { type: 'object' },
      issued: { type: 'string', format: 'date' },
      period: { type: 'object' },
      implements: { type: 'array', items: { type: 'string' } },
      targets: { type: 'integer' },
      adoptions: { type: 'integer' },
      withdrawn: { type: 'string', format: 'date' },
    },
    required: ['id', 'number', 'kind', 'title', 'issuer', 'issued', 'implements', 'targets', 'adoptions'],
  },
  DirectiveList: {
    type: 'object',
    properties: {
      directives: { type: 'array', items: ref('DirectiveSummary') },
      position: { type: 'integer' },
    },
    required: ['directives', 'position'],
  },
  CascadeNode: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      number: { type: 'string' },
      kind: { type: 'string' },
      title: { type: 'string' },
      issuer: { type: 'string' },
      issued: { type: 'string', format: 'date' },
      targets: { type: 'array', items: { type: 'object' } },
      implementedBy: { type: 'array', items: ref('CascadeNode') },
      restricted: {
        type: 'boolean',
        description: 'issued outside the token’s subtree: its figures are withheld',
      },
    },
    required: ['id', 'number', 'kind', 'title', 'issuer', 'issued', 'targets', 'implementedBy'],
  },
  TargetStatus: { type: 'string', enum: ['met', 'not-met', 'on-track', 'at-risk', 'no-data'] },
  TargetEvaluation: {
    type: 'object',
    properties: {
      directive: { type: 'object' },
      target: { type: 'object', description: 'the target as declared (see the directive.issued event)' },
      asOf: { type: 'string', format: 'date' },
      period: { type: 'object' },
      deadline: { type: 'string', format: 'date' },
      status: ref('TargetStatus'),
      value: { type: ['number', 'null'] },
      required: { type: 'object' },
      reason: { type: 'string' },
      detail: { type: 'object' },
      units: { type: 'array', items: { type: 'object' } },
      summary: { type: 'object' },
      position: { type: 'integer' },
    },
    required: [
      'directive',
      'target',
      'asOf',
      'period',
      'deadline',
      'status',
      'value',
      'required',
      'position',
    ],
  },
  DirectiveDetail: {
    type: 'object',
    properties: {
      implements: { type: 'array', items: { type: 'object' } },
      directive: ref('CascadeNode'),
      targets: { type: 'array', items: ref('TargetEvaluation') },
      position: { type: 'integer' },
    },
    required: ['implements', 'directive', 'targets', 'position'],
  },
  IndicatorInfo: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      title: { type: 'string' },
      description: { type: 'string' },
      rollUp: { type: 'string', enum: ['additive', 'distinct', 'stock', 'ratio', 'share', 'count'] },
      unit: { type: 'string' },
      params: { type: 'object', description: 'JSON Schema of the indicator’s own query parameters' },
    },
    required: ['name', 'title', 'description', 'rollUp', 'unit', 'params'],
  },
  IndicatorCatalogue: {
    type: 'object',
    properties: { indicators: { type: 'array', items: ref('IndicatorInfo') } },
    required: ['indicators'],
  },
  ResultRow: {
    type: 'object',
    properties: { key: { type: 'string' }, label: { type: 'string' }, own: { type: 'boolean' }, ...measured },
    required: ['key', 'label', 'value'],
  },
  IndicatorResult: {
    type: 'object',
    properties: {
      indicator: { type: 'string' },
      unit: {
        type: 'object',
        properties: { id: { type: 'string' }, name: { type: 'string' }, level: { type: 'string' } },
      },
      period: {
        type: 'object',
        properties: { label: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
      },
      view: { type: 'string', enum: ['as-was', 'as-is'] },
      params: { type: 'object' },
      by: { type: 'string' },
      rows: { type: 'array', items: ref('ResultRow') },
      position: { type: 'integer' },
      ...measured,
    },
    required: ['indicator', 'unit', 'period', 'view', 'params', 'value', 'position'],
  },
  Explanation: {
    type: 'object',
    properties: {
      result: ref('IndicatorResult'),
      rows: { type: 'array', items: ref('ResultRow') },
      events: {
        type: 'array',
        items: ref('StoredEvent'),
        description: 'a page of the events behind the unit’s own records (activity measures)',
      },
      eventCount: { type: 'integer' },
      next: { type: ['string', 'null'] },
      hasMore: { type: 'boolean' },
    },
    required: ['result', 'rows', 'events', 'eventCount', 'next', 'hasMore'],
  },
  Health: {
    type: 'object',
    properties: { status: { const: 'ok' }, version: { type: 'string' } },
    required: ['status', 'version'],
  },
  Readiness: {
    type: 'object',
    properties: {
      ready: { type: 'boolean' },
      head: { type: ['integer', 'null'], description: 'the store’s last position' },
      position: { type: 'integer', description: 'the position the projections reflect' },
      lag: { type: ['integer', 'null'], description: 'head − position, in events' },
      maxLag: { type: 'integer' },
      store: { type: 'string', enum: ['open', 'closed', 'unavailable'] },
      draining: { type: 'boolean' },
    },
    required: ['ready', 'head', 'position', 'lag', 'maxLag', 'store'],
  },
});
