import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { newRequestId } from './request-id.ts';

describe('newRequestId', () => {
  it('makes valid ULIDs carrying the time, distinct across a refill of the random pool', () => {
    const now = Date.UTC(2026, 10, 23, 3, 4, 5, 678);
    const ids = Array.from({ length: 1_000 }, () => newRequestId(now));
    for (const id of ids) {
      expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(decodeTime(id)).toBe(now);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(decodeTime(newRequestId(now + 1))).toBe(now + 1);
  });
});
