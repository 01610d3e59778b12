import { event } from '@chitieu/core/testing';
import { describe, expect, it } from 'vitest';
import { body, TOKENS, world } from '../testing/world.ts';

const ids = (nodes: { id: string; children: unknown[] }[]): string[] =>
  nodes.flatMap((n) => [n.id, ...ids(n.children as never)]);

describe('GET /v1/units', () => {
  it('gives the whole tree to a token over every unit, today by default', async () => {
    const w = await world();
    const b = await body(await w.request('/v1/units', { token: TOKENS.national }));
    expect(b.asOf).toBe('2025-01-15');
    expect(b.units.map((u: { id: string }) => u.id)).toEqual(['tw']);
    expect(ids(b.units).sort()).toEqual([
      'huyen-a1',
      'huyen-a2',
      'huyen-b1',
      'tinh-a',
      'tinh-b',
      'tw',
      'xa-a1-1',
    ]);
  });

  it("roots a confined token's tree at its unit, and refuses another root (403)", async () => {
    const w = await world();
    const mine = await body(await w.request('/v1/units', { token: TOKENS.readerA1 }));
    expect(ids(mine.units)).toEqual(['huyen-a1', 'xa-a1-1']);
    expect((await w.request('/v1/units?root=tinh-b', { token: TOKENS.readerA1 })).status).toBe(403);
    expect((await w.request('/v1/units?root=xa-a1-1', { token: TOKENS.readerA1 })).status).toBe(200);
  });

  it('shows the tree as it stood on a date, in either view', async () => {
    const w = await world();
    await w.request('/v1/events', {
      token: TOKENS.admin,
      body: { events: [event('unit.moved', { unitId: 'huyen-a2', parentId: 'tinh-b' }, '2024-07-01')] },
    });
    const before = await body(
      await w.request('/v1/units?root=tinh-a&asOf=2024-06-30', { token: TOKENS.national }),
    );
    expect(ids(before.units)).toContain('huyen-a2');
    const after = await body(
      await w.request('/v1/units?root=tinh-a&asOf=2024-07-01', { token: TOKENS.national }),
    );
    expect(ids(after.units)).not.toContain('huyen-a2');
    const asIs = await body(
      await w.request('/v1/units?root=tinh-b&asOf=2024-06-30&view=as-is', { token: TOKENS.national }),
    );
    expect(ids(asIs.units)).toContain('huyen-a2');
  });

  it('rejects a bad date, a bad view and an unknown parameter (400); an unknown root is 404', async () => {
    const w = await world();
    for (const q of ['asOf=2024-02-30', 'asOf=yesterday', 'view=sideways', 'depth=2', 'knownAt=soon']) {
      const res = await w.request(`/v1/units?${q}`, { token: TOKENS.national });
      expect(res.status, q).toBe(400);
      expect(res.headers.get('Content-Type')).toBe('application/problem+json');
    }
    const missing = await w.request('/v1/units?root=nowhere', { token: TOKENS.national });
    expect(missing.status).toBe(404);
    expect(await body(missing)).toMatchObject({ code: 'not_found', kind: 'unit', key: 'nowhere' });
  });
});

describe('GET /v1/units/{id}', () => {
  it('describes a unit with its history and bodies, without any person ids', async () => {
    const w = await world();
    await w.request('/v1/events', {
      token: TOKENS.admin,
      body: { events: [event('unit.renamed', { unitId: 'huyen-a1', name: 'Quận đoàn A1' }, '2024-09-01')] },
    });
    const res = await w.request('/v1/units/huyen-a1', { token: TOKENS.readerA1 });
    expect(res.status).toBe(200);
    const b = await body(res);
    expect(b).toMatchObject({
      id: 'huyen-a1',
      name: 'Quận đoàn A1',
      level: 'district',
      registered: '2020-01-01',
    });
    expect(b.names.map((n: { name: string }) => n.name)).toEqual(['Huyện đoàn A1', 'Quận đoàn A1']);
    expect(b.bodies).toEqual([expect.objectContaining({ bodyId: 'bch-a1' })]);
    expect(JSON.stringify(b)).not.toContain('cb-001');
  });

  it('answers as the log stood at knownAt', async () => {
    const w = await world();
    const position = w.ledger.engine.position;
    await w.request('/v1/events', {
      token: TOKENS.admin,
      body: { events: [event('unit.renamed', { unitId: 'huyen-a1', name: 'Quận đoàn A1' }, '2024-09-01')] },
    });
    const then = await w.request(`/v1/units/huyen-a1?knownAt=${position}`, { token: TOKENS.national });
    expect((await body(then)).name).toBe('Huyện đoàn A1');
    expect(then.headers.get('Cache-Control')).toMatch(/^private, max-age=\d+$/);
  });

  it('is 404 for an unknown unit and 403 outside the token subtree', async () => {
    const w = await world();
    expect((await w.request('/v1/units/nowhere', { token: TOKENS.national })).status).toBe(404);
    expect((await w.request('/v1/units/huyen-b1', { token: TOKENS.readerA1 })).status).toBe(403);
    expect((await w.request('/v1/units/tinh-a', { token: TOKENS.readerA1 })).status).toBe(403);
  });
});
