import {
  CheckpointCorruptError,
  IdReusedError,
  InvalidEventError,
  InvalidQueryError,
  NotFoundError,
  StoreClosedError,
  VersionConflictError,
} from '@chitieu/core';
import { describe, expect, it } from 'vitest';
import { problemResponse, problems, toProblem } from './problem.ts';

describe('toProblem', () => {
  it('maps every core error code to its status, with a stable type and code', () => {
    const cases: [unknown, number, string][] = [
      [new InvalidEventError([{ path: 'events.0', rule: 'r', message: 'm' }]), 422, 'invalid_event'],
      [new InvalidQueryError([{ path: 'period', rule: 'r', message: 'm' }]), 400, 'invalid_query'],
      [new NotFoundError('unit', 'x'), 404, 'not_found'],
      [new VersionConflictError('s', 1, 2), 409, 'version_conflict'],
      [new IdReusedError('id', 3, 'different_content', 'events.0'), 409, 'id_reused'],
      [new StoreClosedError(), 503, 'store_closed'],
      [new CheckpointCorruptError('p', 'expected parts 0 to 2, found 2'), 500, 'checkpoint_corrupt'],
      [problems.payloadTooLarge(10), 413, 'payload_too_large'],
      [problems.unsupportedMediaType('text/plain'), 415, 'unsupported_media_type'],
      [problems.rateLimited(2), 429, 'rate_limited'],
      [new Error('bug'), 500, 'internal'],
    ];
    for (const [error, status, code] of cases) {
      const { problem } = toProblem(error);
      expect(problem, code).toMatchObject({ status, code, type: `https://chitieu.dev/problems/${code}` });
      expect(typeof problem.title).toBe('string');
      expect(typeof problem.detail).toBe('string');
    }
  });

  it('carries issues and extension members, and headers such as Retry-After', async () => {
    expect(toProblem(new InvalidEventError([{ path: 'p', rule: 'r', message: 'm' }])).problem.issues).toEqual(
      [{ path: 'p', rule: 'r', message: 'm' }],
    );
    const res = problemResponse(problems.rateLimited(7));
    expect(res.headers.get('Retry-After')).toBe('7');
    expect(res.headers.get('Content-Type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ retryAfter: 7 });
  });
});
