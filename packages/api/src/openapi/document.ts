import { Breakdown, INDICATOR_NAMES, PeriodGrain } from '@chitieu/core';
import { schemaComponents } from './schemas.ts';

type Json = Record<string, unknown>;

const ref = (kind: 'schemas' | 'parameters' | 'responses', name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});
const json = (schema: Json, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('schemas', 'Problem') } },
});

const query = (name: string, schema: Json, description: string, required = false) => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});
const path = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});

const PARAMETERS: Json = {
  knownAt: query(
    'knownAt',
    {
      oneOf: [
        { type: 'integer', minimum: 0 },
        { type: 'string', format: 'date-time' },
      ],
    },
    'Answer as the log stood at this position, or at this instant (recordedAt). A position at or below the head gives an answer that never changes.',
  ),
  asOf: query(
    'asOf',
    { type: 'string', format: 'date' },
    'The day to evaluate on (default: today in Vietnam).',
  ),
  view: query(
    'view',
    { type: 'string', enum: ['as-was', 'as-is'], default: 'as-was' },
    'as-was: the tree as it stood on each day; as-is: all history re-attributed to today’s tree.',
  ),
  after: query('after', { type: 'string' }, 'Opaque cursor from a previous page’s `next`.'),
  limit: query('limit', { type: 'integer', minimum: 1 }, 'Page size (JSON: default 100, at most 1,000).'),
  unit: query('unit', { type: 'string' }, 'The unit whose subtree is measured.', true),
  period: query(
    'period',
    { type: 'string' },
    'A period expression: 2024, 2024-Q3, 2024-05, 2024-W05, 2023-05-01..2023-10-03, last-12-months…',
    true,
  ),
  by: query(
    'by',
    { type: 'string', enum: Breakdown.options },
    'Break the figure down by unit, period, kind or channel.',
  ),
  grain: query('grain', { type: 'string', enum: PeriodGrain.options }, 'Sub-period size for by=period.'),
  indicatorParams: {
    name: 'params',
    in: 'query',
    style: 'form',
    explode: true,
    description:
      'The indicator’s own parameters as further query parameters, e.g. kind=article&channel=fanpage or population=members (see each indicator’s `params` schema in GET /v1/indicators).',
    schema: { type: 'object', additionalProperties: { type: 'string' } },
  },
  name: { ...path('name', 'An indicator name.'), schema: { type: 'string', enum: INDICATOR_NAMES } },
  unitId: path('id', 'A unit id.'),
  directiveId: path('id', 'A directive id.'),
  targetId: path('targetId', 'A target id within the directive.'),
};

const RESPONSES: Json = {
  NotModified: {
    description: 'The client’s copy (If-None-Match) is current; nothing was recomputed.',
    headers: { ETag: { schema: { type: 'string' } } },
  },
  BadRequest: problem('Malformed JSON, unknown or invalid query parameters, an invalid cursor or query.'),
  Unauthenticated: problem('No valid bearer token (and reads are not open, or this is a write).'),
  Forbidden: problem('The token lacks the scope, or the unit is outside its subtree.'),
  NotFound: problem('Unknown unit, directive, target or indicator.'),
  TooManyRequests: {
    ...problem('Rate limit exceeded; see Retry-After.'),
    headers: { 'Retry-After': { schema: { type: 'integer' } } },
  },
};

const reads = (extra: Json = {}) => ({
  '304': ref('responses', 'NotModified'),
  '400': ref('responses', 'BadRequest'),
  '401': ref('responses', 'Unauthenticated'),
  '403': ref('responses', 'Forbidden'),
  '429': ref('responses', 'TooManyRequests'),
  ...extra,
});

const etagHeaders = {
  ETag: { description: 'Derived from the log position and the request.', schema: { type: 'string' } },
  'Cache-Control': { schema: { type: 'string' } },
};

const ok = (schema: string, description: string, more: Json = {}) => ({
  description,
  headers: etagHeaders,
  content: { 'application/json': { schema: ref('schemas', schema) }, ...more },
});

const INDICATOR_QUERY = ['unit', 'period', 'by', 'grain', 'view', 'knownAt', 'indicatorParams'].map((p) =>
  ref('parameters', p),
);

const PATHS: Json = {
  '/v1/events': {
    post: {
      operationId: 'appendEvents',
      summary: 'Append a batch of events atomically',
      description:
        'Either `events` (each goes to its canonical stream) or `writes` (per stream, with an optional expectedVersion). The batch lands whole and in the order given, each event checked against those before it; a stream may have several writes, each expectedVersion checked against the version the writes before it leave. Retries are safe when events carry ids (durable, on every node) or with an Idempotency-Key (kept in this node’s memory for 24 h). A token confined to a unit may write only events acting on units in its subtree.',
      tags: ['events'],
      security: [{ bearer: [] }],
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          schema: { type: 'string', maxLength: 255 },
          description: 'A retry with the same key and body returns the first answer.',
        },
      ],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: ref('schemas', 'AppendRequest') } },
      },
      responses: {
        '201': json(ref('schemas', 'AppendResult'), 'Appended (or recognised as a retry: duplicate true).'),
        '400': ref('responses', 'BadRequest'),
        '401': ref('responses', 'Unauthenticated'),
        '403': ref('responses', 'Forbidden'),
        '409': problem(
          'A stream was not at the expected version, an id was reused, or the Idempotency-Key is in use.',
        ),
        '413': problem('The body is larger than the limit (default 1 MiB).'),
        '415': problem('The body is not declared as application/json.'),
        '422': problem(
          'Valid JSON, but events break the catalogue or the domain rules (see issues), or the Idempotency-Key was used with another body.',
        ),
        '429': ref('responses', 'TooManyRequests'),
      },
    },
    get: {
      operationId: 'readEvents',
      summary: 'Page through the log (redacted)',
      description:
        'Needs a token over every unit (or open reads). With Accept: application/x-ndjson the events stream one per line (default: all up to the position the server reflects), with the next cursor in the Chitieu-Next-Cursor header.',
      tags: ['events'],
      security: [{ bearer: [] }, {}],
      parameters: [ref('parameters', 'after'), ref('parameters', 'limit')],
      responses: reads({
        '200': ok('EventPage', 'A page of events.', {
          'application/x-ndjson': { schema: ref('schemas', 'StoredEvent') },
        }),
      }),
    },
  },
  '/v1/units': {
    get: {
      operationId: 'unitTree',
      summary: 'The unit tree on a date',
      description: 'A token confined to a unit gets the tree from its unit down (root defaults to it).',
      tags: ['units'],
      security: [{ bearer: [] }, {}],
      parameters: [
        ref('parameters', 'asOf'),
        ref('parameters', 'view'),
        query('root', { type: 'string' }, 'Only this unit’s subtree.'),
        ref('parameters', 'knownAt'),
      ],
      responses: reads({ '200': ok('UnitTree', 'The tree.'), '404': ref('responses', 'NotFound') }),
    },
  },
  '/v1/units/{id}': {
    get: {
      operationId: 'describeUnit',
      summary: 'A unit with its history',
      tags: ['units'],
      security: [{ bearer: [] }, {}],
      parameters: [ref('parameters', 'unitId'), ref('parameters', 'knownAt')],
      responses: reads({ '200': ok('UnitDetail', 'The unit.'), '404': ref('responses', 'NotFound') }),
    },
  },
  '/v1/inspections': {
    get: {
      operationId: 'listInspections',
      summary: 'Recorded inspections',
      description: 'A token confined to a unit sees the inspections carried out by units in its subtree.',
      tags: ['inspections'],
      security: [{ bearer: [] }, {}],
      parameters: [ref('parameters', 'knownAt')],
      responses: reads({ '200': ok('InspectionList', 'The inspections, in log order.') }),
    },
  },
  '/v1/inspections/{id}': {
    get: {
      operationId: 'describeInspection',
      summary:
        'An inspection: inspector, inspected units, visits, the window examined, contents and findings',
      tags: ['inspections'],
      security: [{ bearer: [] }, {}],
      parameters: [path('id', 'An inspection id.'), ref('parameters', 'knownAt')],
      responses: reads({ '200': ok('Inspection', 'The inspection.'), '404': ref('responses', 'NotFound') }),
    },
  },
  '/v1/directives': {
    get: {
      operationId: 'listDirectives',
      summary: 'Every directive, newest first',
      tags: ['directives'],
      security: [{ bearer: [] }, {}],
      parameters: [ref('parameters', 'knownAt')],
      responses: reads({ '200': ok('DirectiveList', 'The directives (metadata only).') }),
    },
  },
  '/v1/directives/{id}': {
    get: {
      operationId: 'directive',
      summary: 'A directive with its cascade and the status of each target',
      tags: ['directives'],
      security: [{ bearer: [] }, {}],
      parameters: [
        ref('parameters', 'directiveId'),
        ref('parameters', 'asOf'),
        ref('parameters', 'view'),
        ref('parameters', 'knownAt'),
      ],
      responses: reads({
        '200': ok('DirectiveDetail', 'The directive.'),
        '404': ref('responses', 'NotFound'),
      }),
    },
  },
  '/v1/directives/{id}/targets/{targetId}': {
    get: {
      operationId: 'target',
      summary: 'Evaluate one target of a directive',
      tags: ['directives'],
      security: [{ bearer: [] }, {}],
      parameters: [
        ref('parameters', 'directiveId'),
        ref('parameters', 'targetId'),
        ref('parameters', 'asOf'),
        ref('parameters', 'view'),
        ref('parameters', 'knownAt'),
      ],
      responses: reads({
        '200': ok('TargetEvaluation', 'The evaluation.'),
        '404': ref('responses', 'NotFound'),
      }),
    },
  },
  '/v1/indicators': {
    get: {
      operationId: 'indicatorCatalogue',
      summary: 'The indicator catalogue',
      tags: ['indicators'],
      security: [{ bearer: [] }, {}],
      responses: reads({ '200': ok('IndicatorCatalogue', 'Every indicator with its parameters.') }),
    },
  },
  '/v1/indicators/{name}': {
    get: {
      operationId: 'indicator',
      summary: 'An indicator’s value for a unit’s subtree over a period',
      description:
        'Counts of distinct people below the suppression threshold (default 5) are null with a reason, also where a total minus the other rows would reveal them. Accept: text/csv gives a header, the total row and the breakdown rows.',
      tags: ['indicators'],
      security: [{ bearer: [] }, {}],
      parameters: [ref('parameters', 'name'), ...INDICATOR_QUERY],
      responses: reads({
        '200': ok('IndicatorResult', 'The value (and breakdown).', {
          'text/csv': { schema: { type: 'string' } },
        }),
        '404': ref('responses', 'NotFound'),
      }),
    },
  },
  '/v1/indicators/{name}/explain': {
    get: {
      operationId: 'explainIndicator',
      summary: 'Drill a figure down to contributing units and the events behind it',
      tags: ['indicators'],
      security: [{ bearer: [] }, {}],
      parameters: [
        ref('parameters', 'name'),
        ...INDICATOR_QUERY,
        ref('parameters', 'after'),
        ref('parameters', 'limit'),
      ],
      responses: reads({ '200': ok('Explanation', 'The drill-down.'), '404': ref('responses', 'NotFound') }),
    },
  },
  '/healthz': {
    get: {
      operationId: 'health',
      summary: 'Liveness: the process answers',
      tags: ['operations'],
      security: [{}],
      responses: { '200': json(ref('schemas', 'Health'), 'Alive.') },
    },
  },
  '/readyz': {
    get: {
      operationId: 'ready',
      summary: 'Readiness: the store is open and the projections are caught up',
      tags: ['operations'],
      security: [{}],
      responses: {
        '200': json(ref('schemas', 'Readiness'), 'Ready.'),
        '503': json(
          ref('schemas', 'Readiness'),
          'Not ready: store closed or unavailable, lag above the bound, or shutting down.',
        ),
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'openapi',
      summary: 'This document',
      tags: ['operations'],
      security: [{}],
      responses: { '200': json({ type: 'object' }, 'The OpenAPI 3.1 document.') },
    },
  },
  '/docs': {
    get: {
      operationId: 'docs',
      summary: 'This document as a browsable page',
      tags: ['operations'],
      security: [{}],
      responses: {
        '200': { description: 'HTML.', content: { 'text/html': { schema: { type: 'string' } } } },
      },
    },
  },
};

/** The OpenAPI 3.1 document of the API. */
export const openApiDocument = (version: string): Json => ({
  openapi: '3.1.0',
  info: {
    title: 'chitieu',
    version,
    summary: 'Indicators and targets of the Ho Chi Minh Communist Youth Union, from an event log.',
    description:
      'Errors are RFC 9457 problem+json with a stable `code`. Every GET answer carries an ETag derived from the log position it reflects and the request; send it back in If-None-Match for a 304. Participant ids never leave the API.',
  },
  servers: [{ url: '/' }],
  tags: ['events', 'units', 'directives', 'inspections', 'indicators', 'operations'].map((name) => ({
    name,
  })),
  paths: PATHS,
  components: {
    schemas: schemaComponents(),
    parameters: PARAMETERS,
    responses: RESPONSES,
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'A token configured (as its sha256) in CHITIEU_TOKENS_FILE or CHITIEU_TOKENS.',
      },
    },
  },
});
