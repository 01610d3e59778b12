import { describe, expect, it } from 'vitest';
import { IdempotencyCache } from './idempotency.ts';
import { RateLimiter } from './rate-limit.ts';

describe('RateLimiter', () => {
  it('allows a burst, then refills at the rate', () => {
    let now = 0;
    const limiter = new RateLimiter({ ratePerSecond: 2, burst: 3, now: () => now });
    expect([1, 2, 3, 4].map(() => limiter.take('a').ok)).toEqual([true, true, true, false]);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    now = 500;
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('b').ok).toBe(true);
  });

  it('keeps a bounded number of buckets', () => {
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1, now: () => 0, maxClients: 2 });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    // 'a' was evicted, so it starts with a full bucket again.
    expect(limiter.take('a').ok).toBe(true);
  });
});

describe('IdempotencyCache', () => {
  const response = { status: 201, body: '{}', contentType: 'application/json' };

  it('replays a finished answer for the same fingerprint and refuses another', () => {
    const cache = new IdempotencyCache({ ttlMs: 1000, maxEntries: 10, now: () => 0 });
    const claim = cache.claim('k', 'f1');
    expect(claim.kind).toBe('new');
    expect(cache.claim('k', 'f1').kind).toBe('in-flight');
    if (claim.kind === 'new') claim.finish(response);
    expect(cache.claim('k', 'f1')).toEqual({ kind: 'replay', response });
    expect(cache.claim('k', 'f2').kind).toBe('mismatch');
  });

  it('forgets abandoned and expired keys, and holds at most maxEntries', () => {
    let now = 0;
    const cache = new IdempotencyCache({ ttlMs: 1000, maxEntries: 2, now: () => now });
    const c = cache.claim('k', 'f');
    if (c.kind === 'new') c.abandon();
    expect(cache.claim('k', 'g').kind).toBe('new');
    now = 2000;
    expect(cache.claim('k', 'h').kind).toBe('new');
    cache.claim('k2', 'x');
    cache.claim('k3', 'x');
    expect(cache.size).toBe(2);
  });
});
