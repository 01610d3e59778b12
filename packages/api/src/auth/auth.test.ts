import { describe, expect, it } from 'vitest';
import { body, TOKENS, world } from '../testing/world.ts';

describe('authentication', () => {
  it('refuses reads without a token unless reads are open (401 with WWW-Authenticate)', async () => {
    const closed = await world();
    const res = await closed.request('/v1/units');
    expect(res.status).toBe(401);
    expect(res.headers.get('WWW-Authenticate')).toBe('Bearer realm="chitieu"');
    expect((await body(res)).code).toBe('unauthenticated');
    const open = await world({ auth: { openReads: true } });
    expect((await open.request('/v1/units')).status).toBe(200);
  });

  it('refuses an unknown or malformed token even where reads are open', async () => {
    const w = await world({ auth: { openReads: true } });
    expect((await w.request('/v1/units', { token: 'not-a-token' })).status).toBe(401);
    expect((await w.request('/v1/units', { headers: { Authorization: 'Basic dXNlcjpwdw==' } })).status).toBe(
      401,
    );
  });

  it('refuses reads to a token without the read scope (403), and admin holds every scope', async () => {
    const w = await world();
    expect((await w.request('/v1/units', { token: TOKENS.writeOnly })).status).toBe(403);
    expect((await w.request('/v1/units', { token: TOKENS.admin })).status).toBe(200);
  });

  it('serves the probes and the API description without a token', async () => {
    const w = await world();
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs']) {
      expect((await w.request(path)).status, path).toBe(200);
    }
  });

  it('logs one structured line per request, with the subject but never the token', async () => {
    const w = await world();
    await w.request('/v1/units', { token: TOKENS.national });
    await w.request('/v1/units', { token: 'wrong' });
    const lines = w.logger.records.filter((r) => r.msg === 'request');
    expect(lines).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/v1/units',
        status: 200,
        subject: 'national',
        requestId: expect.any(String),
      }),
      expect.objectContaining({ status: 401, subject: 'anonymous' }),
    ]);
    expect(JSON.stringify(w.logger.records)).not.toContain(TOKENS.national);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After once a client’s bucket is empty, per token', async () => {
    let now = 0;
    const w = await world({ limits: { rate: { perSecond: 1, burst: 2 } }, now: () => now });
    const get = (token: string) => w.request('/v1/indicators', { token });
    expect((await get(TOKENS.national)).status).toBe(200);
    expect((await get(TOKENS.national)).status).toBe(200);
    const limited = await get(TOKENS.national);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('1');
    expect(await body(limited)).toMatchObject({ code: 'rate_limited', retryAfter: 1 });
    // Another token has its own bucket; the probes are never limited.
    expect((await get(TOKENS.admin)).status).toBe(200);
    expect((await w.request('/healthz')).status).toBe(200);
    now += 1_000;
    expect((await get(TOKENS.national)).status).toBe(200);
  });

  it('throttles bad tokens by address before refusing them, so guessing is slow too', async () => {
    const w = await world({
      limits: { rate: { perSecond: 1, burst: 1 } },
      now: () => 0,
      clientAddress: () => '10.0.0.9',
    });
    expect((await w.request('/v1/units', { token: 'guess-1' })).status).toBe(401);
    expect((await w.request('/v1/units', { token: 'guess-2' })).status).toBe(429);
  });
});

describe('routing', () => {
  it('answers unknown paths with a 404 problem and wrong methods with 405 and Allow', async () => {
    const w = await world();
    const missing = await w.request('/v2/things', { token: TOKENS.national });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('Content-Type')).toBe('application/problem+json');
    const wrong = await w.request('/v1/units', { method: 'DELETE', token: TOKENS.admin });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('Allow')).toBe('GET, HEAD');
  });

  it('answers HEAD like GET, without a body', async () => {
    const w = await world();
    const res = await w.request('/v1/units', { method: 'HEAD', token: TOKENS.national });
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).toBeTruthy();
    expect(await res.text()).toBe('');
  });

  it('turns an unexpected error into a 500 problem without internals, and logs it', async () => {
    const w = await world();
    w.ledger.indicator = () => Promise.reject(new TypeError('boom at secret.ts:12'));
    const res = await w.request('/v1/indicators/turns?unit=tw&period=2024', { token: TOKENS.national });
    expect(res.status).toBe(500);
    const b = await body(res);
    expect(b).toMatchObject({ code: 'internal', status: 500 });
    expect(JSON.stringify(b)).not.toContain('secret.ts');
    expect(w.logger.records).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'unexpected error' }),
    );
  });
});
