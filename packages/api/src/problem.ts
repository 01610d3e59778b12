import {
  type ChitieuError,
  IdReusedError,
  InvalidEventError,
  InvalidQueryError,
  type Issue,
  isChitieuError,
  NotFoundError,
  VersionConflictError,
} from '@chitieu/core';

/**
 * The one place where failures become RFC 9457 problem details. Core errors carry a stable `code`; the
 * API's own failures (auth, limits, request shape) are `HttpProblem`s. Routes throw; `app.onError` calls
 * `problemResponse`. Anything else is a bug and becomes a 500 without internals.
 */

export const PROBLEM_BASE = 'https://chitieu.dev/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Codes of failures the API detects itself, next to the core's `ErrorCode`s. */
export type HttpProblemCode =
  | 'malformed_json'
  | 'invalid_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'idempotency_key_reused'
  | 'idempotency_key_in_use'
  | 'internal';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly issues?: readonly Issue[];
  readonly [extension: string]: unknown;
}

/** A failure of the HTTP exchange itself: the status, a stable code, and what the client can do about it. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpProblemCode,
    readonly title: string,
    detail: string,
    readonly extra: {
      readonly issues?: readonly Issue[];
      readonly headers?: Readonly<Record<string, string>>;
      readonly fields?: Readonly<Record<string, unknown>>;
    } = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

/** The API's own failures, one factory per case, so statuses and titles cannot drift between routes. */
export const problems = {
  malformedJson: (detail: string) => new HttpProblem(400, 'malformed_json', 'Malformed JSON', detail),
  invalidRequest: (issues: readonly Issue[]) =>
    new HttpProblem(400, 'invalid_request', 'Invalid request', summarise(issues), { issues }),
  invalidParameter: (path: string, rule: string, message: string) =>
    problems.invalidRequest([{ path, rule, message }]),
  unauthenticated: (detail: string) =>
    new HttpProblem(401, 'unauthenticated', 'Authentication required', detail, {
      headers: { 'WWW-Authenticate': 'Bearer realm="chitieu"' },
    }),
  forbidden: (detail: string) => new HttpProblem(403, 'forbidden', 'Forbidden', detail),
  routeNotFound: (path: string) =>
    new HttpProblem(404, 'not_found', 'Not found', `no resource at ${path}; see /openapi.json`),
  payloadTooLarge: (limit: number) =>
    new HttpProblem(413, 'payload_too_large', 'Payload too large', `the body exceeds ${limit} bytes`, {
      fields: { limit },
    }),
  unsupportedMediaType: (got: string | undefined) =>
    new HttpProblem(
      415,
      'unsupported_media_type',
      'Unsupported media type',
      `send the body as application/json${got ? `, not ${got}` : ''}`,
    ),
  rateLimited: (retryAfterSeconds: number) =>
    new HttpProblem(429, 'rate_limited', 'Too many requests', `retry after ${retryAfterSeconds} s`, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
      fields: { retryAfter: retryAfterSeconds },
    }),
  idempotencyKeyReused: () =>
    new HttpProblem(
      422,
      'idempotency_key_reused',
      'Idempotency key reused',
      'this Idempotency-Key was used with a different body; use a new key for a new request',
    ),
  idempotencyKeyInUse: () =>
    new HttpProblem(
      409,
      'idempotency_key_in_use',
      'Idempotency key in use',
      'a request with this Idempotency-Key is still being processed; retry later',
      { headers: { 'Retry-After': '1' } },
    ),
} as const;

const summarise = (issues: readonly Issue[]) =>
  issues
    .slice(0, 3)
    .map((i) => `${i.path || '(root)'}: ${i.message}`)
    .join('; ') + (issues.length > 3 ? `; and ${issues.length - 3} more` : '');

const CORE_STATUS: Record<ChitieuError['code'], { status: number; title: string }> = {
  invalid_event: { status: 422, title: 'Invalid events' },
  invalid_query: { status: 400, title: 'Invalid query' },
  not_found: { status: 404, title: 'Not found' },
  version_conflict: { status: 409, title: 'Version conflict' },
  id_reused: { status: 409, title: 'Event id reused' },
  store_closed: { status: 503, title: 'Store closed' },
  checkpoint_corrupt: { status: 500, title: 'Checkpoint corrupt' },
};

const make = (status: number, code: string, title: string, detail: string, more: object = {}): Problem => ({
  type: `${PROBLEM_BASE}${code}`,
  title,
  status,
  detail,
  code,
  ...more,
});

/** The extension members a core error carries, so clients need not parse its message. */
const coreFields = (error: ChitieuError): Record<string, unknown> => {
  if (error instanceof InvalidEventError || error instanceof InvalidQueryError)
    return { issues: error.issues };
  if (error instanceof VersionConflictError)
    return { stream: error.stream, expected: error.expected, actual: error.actual };
  if (error instanceof IdReusedError)
    return {
      id: error.id,
      position: error.position,
      reason: error.reason,
      issues: [{ path: error.path, rule: error.reason, message: error.message }],
    };
  if (error instanceof NotFoundError) return { kind: error.kind, key: error.key };
  return {};
};

/** Translates any thrown value into a problem and the headers that go with it. */
export const toProblem = (error: unknown): { problem: Problem; headers: Record<string, string> } => {
  if (error instanceof HttpProblem) {
    return {
      problem: make(error.status, error.code, error.title, error.message, {
        ...(error.extra.issues ? { issues: error.extra.issues } : {}),
        ...error.extra.fields,
      }),
      headers: { ...error.extra.headers },
    };
  }
  if (isChitieuError(error)) {
    const { status, title } = CORE_STATUS[error.code];
    return { problem: make(status, error.code, title, error.message, coreFields(error)), headers: {} };
  }
  return {
    problem: make(500, 'internal', 'Internal error', 'an unexpected error occurred; it has been logged'),
    headers: {},
  };
};

/** Whether a thrown value is expected (a client's mistake or a known condition) rather than a bug. */
export const isExpected = (error: unknown): boolean => error instanceof HttpProblem || isChitieuError(error);

/** The problem+json response for a thrown value. */
export const problemResponse = (error: unknown, instance?: string): Response => {
  const { problem, headers } = toProblem(error);
  return new Response(JSON.stringify(instance === undefined ? problem : { ...problem, instance }), {
    status: problem.status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Cache-Control': 'no-store', ...headers },
  });
};
