import { activity } from '@chitieu/core/testing';
import { describe, expect, it } from 'vitest';
import { body, TOKENS, world } from '../testing/world.ts';

describe('GET /healthz', () => {
  it('says the process is alive, without a token and never cached', async () => {
    const w = await world();
    const res = await w.request('/healthz');
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual({ status: 'ok', version: '0.1.0' });
    expect(res.headers.get('Cache-Control')).toBe('no-store');
  });
});

describe('GET /readyz', () => {
  it('is ready when the store is open and the projections are caught up', async () => {
    const w = await world();
    const res = await w.request('/readyz');
    expect(res.status).toBe(200);
    const head = await w.store.head();
    expect(await body(res)).toEqual({
      ready: true,
      head,
      position: head,
      lag: 0,
      maxLag: 1000,
      store: 'open',
    });
  });

  it('is not ready (503) when the projections trail the head by more than the bound', async () => {
    const w = await world({ maxLag: 1 });
    // Another writer appends behind the ledger's back (this ledger does not follow the store).
    await w.store.append('activity-x1', [activity('x1', 'huyen-a1', '2024-05-01')]);
    expect((await w.request('/readyz')).status).toBe(200);
    await w.store.append('activity-x2', [activity('x2', 'huyen-a1', '2024-05-01')]);
    const res = await w.request('/readyz');
    expect(res.status).toBe(503);
    expect(await body(res)).toMatchObject({ ready: false, lag: 2, maxLag: 1 });
  });

  it('is not ready once the store is closed or the server is draining', async () => {
    let draining = false;
    const w = await world({ draining: () => draining });
    draining = true;
    const drained = await w.request('/readyz');
    expect(drained.status).toBe(503);
    expect(await body(drained)).toMatchObject({ ready: false, draining: true });
    expect(drained.headers.get('Connection')).toBe('close');
    draining = false;
    await w.store.close();
    const closed = await w.request('/readyz');
    expect(closed.status).toBe(503);
    expect(await body(closed)).toMatchObject({ ready: false, store: 'closed', head: null });
  });

  it('turns a closed store into 503 store_closed problems on the data routes', async () => {
    const w = await world();
    await w.store.close();
    const res = await w.request('/v1/events', { token: TOKENS.national });
    expect(res.status).toBe(503);
    expect((await body(res)).code).toBe('store_closed');
  });
});
