import { describe, expect, it } from 'vitest';
import { body, TOKENS, world } from '../testing/world.ts';

describe('GET /v1/directives', () => {
  it('lists every directive, newest first, to any reader', async () => {
    const w = await world();
    const b = await body(await w.request('/v1/directives', { token: TOKENS.readerA1 }));
    expect(b.directives.map((d: { id: string }) => d.id)).toEqual([
      'kh-02-huyen-a1',
      'kh-01-tinh-a',
      'qd-311-ttg',
    ]);
    expect(b.position).toBe(w.ledger.engine.position);
  });
});

describe('GET /v1/directives/{id}', () => {
  it('gives the cascade and each target’s status, with small people counts suppressed', async () => {
    const w = await world();
    const res = await w.request('/v1/directives/kh-01-tinh-a', { token: TOKENS.national });
    expect(res.status).toBe(200);
    const b = await body(res);
    expect(b.directive.implementedBy.map((d: { id: string }) => d.id)).toEqual(['kh-02-huyen-a1']);
    const peopleMin = b.targets.find(
      (t: { target: { targetId: string } }) => t.target.targetId === 'people-min',
    );
    expect(peopleMin.status).toBe('not-met');
    expect(peopleMin.units).toEqual([
      expect.objectContaining({ unit: 'huyen-a1', value: 20, status: 'met' }),
      expect.objectContaining({
        unit: 'huyen-a2',
        value: null,
        suppressed: true,
        reason: 'suppressed: fewer than 5 people',
      }),
    ]);
    expect(b.targets.map((t: { status: string }) => t.status)).toEqual(['not-met', 'not-met']);
  });

  it('evaluates as of a date and in a view', async () => {
    const w = await world();
    const mid = await body(
      await w.request('/v1/directives/kh-01-tinh-a?asOf=2024-06-30&view=as-is', { token: TOKENS.national }),
    );
    expect(mid.targets[1]).toMatchObject({ asOf: '2024-06-30', status: 'on-track' });
  });

  it('follows the read rule with the issuer as the unit asked about', async () => {
    const w = await world();
    expect((await w.request('/v1/directives/kh-01-tinh-a', { token: TOKENS.readerA1 })).status).toBe(403);
    expect((await w.request('/v1/directives/kh-02-huyen-a1', { token: TOKENS.readerA1 })).status).toBe(200);
    expect((await w.request('/v1/directives/qd-311-ttg', { token: TOKENS.writerA })).status).toBe(403);
    expect((await w.request('/v1/directives/qd-311-ttg', { token: TOKENS.national })).status).toBe(200);
  });

  it('answers 304 to a repeated request, but refuses one outside the subtree before any 304', async () => {
    const w = await world();
    const url = '/v1/directives/kh-01-tinh-a?view=as-is';
    const first = await w.request(url, { token: TOKENS.national });
    const etag = first.headers.get('ETag')!;
    expect(etag).toBeTruthy();
    const again = await w.request(url, { token: TOKENS.national, headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    const outside = await w.request(url, { token: TOKENS.readerA1, headers: { 'If-None-Match': etag } });
    expect(outside.status).toBe(403);
    expect((await w.request(`${url}&colour=red`, { token: TOKENS.national })).status).toBe(400);
  });

  it('is 404 for an unknown directive and 400 for a bad asOf', async () => {
    const w = await world();
    const missing = await w.request('/v1/directives/kh-99', { token: TOKENS.national });
    expect(missing.status).toBe(404);
    expect(await body(missing)).toMatchObject({ code: 'not_found', kind: 'directive' });
    expect(
      (await w.request('/v1/directives/kh-01-tinh-a?asOf=2024-13-01', { token: TOKENS.national })).status,
    ).toBe(400);
  });
});

describe('GET /v1/directives/{id}/targets/{targetId}', () => {
  it('evaluates one target, suppressed like the rest', async () => {
    const w = await world();
    const res = await w.request('/v1/directives/kh-01-tinh-a/targets/people-min', { token: TOKENS.national });
    expect(res.status).toBe(200);
    const b = await body(res);
    expect(b).toMatchObject({
      status: 'not-met',
      summary: { met: 1, of: 2 },
      position: w.ledger.engine.position,
    });
    expect(JSON.stringify(b.units)).not.toContain('"value":3');
    const coverage = await body(
      await w.request('/v1/directives/kh-01-tinh-a/targets/adopted', { token: TOKENS.national }),
    );
    expect(coverage).toMatchObject({ value: 0.5, status: 'not-met' });
  });

  it('is 404 for an unknown target and 403 outside the subtree', async () => {
    const w = await world();
    const res = await w.request('/v1/directives/kh-01-tinh-a/targets/nope', { token: TOKENS.national });
    expect(res.status).toBe(404);
    expect((await body(res)).kind).toBe('target');
    expect(
      (await w.request('/v1/directives/kh-01-tinh-a/targets/adopted', { token: TOKENS.readerA1 })).status,
    ).toBe(403);
  });
});
