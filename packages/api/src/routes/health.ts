import { StoreClosedError } from '@chitieu/core';
import { Hono } from 'hono';
import type { AppEnv, Deps } from '../context.ts';
import { describeError } from '../logging.ts';

/** Liveness and readiness probes: never cached, never rate limited, no token needed. */
export const healthRoutes = (deps: Deps) => {
  const r = new Hono<AppEnv>();

  r.get('/healthz', (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json({ status: 'ok', version: deps.version });
  });

  r.get('/readyz', async (c) => {
    c.header('Cache-Control', 'no-store');
    const position = deps.ledger.engine.position;
    let head: number | null = null;
    let store: 'open' | 'closed' | 'unavailable' = 'open';
    try {
      head = await deps.ledger.store.head();
    } catch (error) {
      store = error instanceof StoreClosedError ? 'closed' : 'unavailable';
      if (store === 'unavailable')
        deps.logger.log({ level: 'warn', msg: 'readiness: store unavailable', error: describeError(error) });
    }
    // The engine can be ahead of a head read a moment earlier (an append landed in between): no lag then.
    const lag = head === null ? null : Math.max(0, head - position);
    const draining = deps.draining();
    const ready = store === 'open' && lag !== null && lag <= deps.maxLag && !draining;
    return c.json(
      { ready, head, position, lag, maxLag: deps.maxLag, store, ...(draining ? { draining } : {}) },
      ready ? 200 : 503,
    );
  });

  return r;
};
