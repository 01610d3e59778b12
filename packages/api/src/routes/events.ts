import { createHash } from 'node:crypto';
import { canonicalJson } from '@chitieu/core';
import { Hono } from 'hono';
import { requireScope, requireUnrestricted } from '../auth/principal.ts';
import { checkWriteScope } from '../auth/write-scope.ts';
import type { AppEnv, Deps } from '../context.ts';
import { readJsonBody } from '../http/body.ts';
import { notModified, setCaching } from '../http/caching.ts';
import { decodeCursor, encodeCursor } from '../http/cursor.ts';
import { negotiate } from '../http/negotiate.ts';
import { intParam, onlyKnown, queryParams } from '../http/query.ts';
import { describeError } from '../logging.ts';
import { redactEvent } from '../privacy/redact.ts';
import { problems } from '../problem.ts';
import { parseAppendBody, prepareAll } from './append-body.ts';

const NDJSON = 'application/x-ndjson';
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Appending to the log and paging through it. */
export const eventRoutes = (deps: Deps) => {
  const r = new Hono<AppEnv>();
  const { ledger, clock, limits } = deps;

  r.post('/v1/events', async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'write');
    const { value } = await readJsonBody(c.req.raw, limits.bodyBytes);
    const key = c.req.header('Idempotency-Key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key))
      throw problems.invalidParameter(
        'Idempotency-Key',
        'invalid_header',
        'must be 1 to 255 visible ASCII characters',
      );
    const body = parseAppendBody(value, limits.eventsPerRequest);
    const claim =
      key === undefined
        ? undefined
        : deps.idempotency.claim(
            `${principal.subject}\n${key}`,
            createHash('sha256').update(canonicalJson(value)).digest('base64url'),
          );
    if (claim?.kind === 'replay') {
      return c.body(claim.response.body, claim.response.status as 201, {
        'Content-Type': claim.response.contentType,
        'Idempotent-Replayed': 'true',
      });
    }
    if (claim?.kind === 'mismatch') throw problems.idempotencyKeyReused();
    if (claim?.kind === 'in-flight') throw problems.idempotencyKeyInUse();
    try {
      // Only a token limited to a subtree needs the events prepared here; the ledger validates them anyway.
      if (principal.unit !== undefined) {
        await checkWriteScope(principal, prepareAll(body), {
          engine: ledger.engine,
          store: ledger.store,
          scopes: deps.scopes,
        });
      }
      const result =
        body.kind === 'events' ? await ledger.appendEvents(body.events) : await ledger.append(body.writes);
      const answer = JSON.stringify({
        positions: result.positions,
        ids: result.ids,
        head: result.head,
        duplicate: result.duplicate,
      });
      claim?.finish({ status: 201, body: answer, contentType: 'application/json' });
      return c.body(answer, 201, { 'Content-Type': 'application/json' });
    } catch (error) {
      claim?.abandon();
      throw error;
    }
  });

  r.get('/v1/events', async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'read');
    requireUnrestricted(principal, 'the event log');
    const params = queryParams(c.req.url);
    onlyKnown(params, ['after', 'limit']);
    const after = params.has('after') ? decodeCursor(params.get('after')!) : 0;
    const format = negotiate(c.req.header('Accept'), ['application/json', NDJSON]);
    // Every answer reflects the projections' position, so a page never shows events the figures do not.
    const position = ledger.engine.position;
    const freshness = { position };
    const hit = notModified(c, clock, freshness);
    if (hit) return hit;
    setCaching(c, clock, freshness);

    if (format === NDJSON) {
      const limit = intParam(params, 'limit', {
        min: 1,
        max: limits.maxStreamSize,
        fallback: limits.maxStreamSize,
      })!;
      const to = Math.min(position, after + limit);
      c.header('Content-Type', `${NDJSON}; charset=utf-8`);
      c.header('Chitieu-Next-Cursor', encodeCursor(Math.max(after, to)));
      c.header('Chitieu-Position', String(position));
      return c.body(ndjson(deps, after, to));
    }

    const limit = intParam(params, 'limit', { min: 1, max: limits.maxPageSize, fallback: limits.pageSize })!;
    const take = Math.min(limit, position - after);
    const events = take > 0 ? (await ledger.store.readAll({ after, limit: take })).events : [];
    const last = events.at(-1)?.position ?? after;
    return c.json({
      events: events.map(redactEvent),
      next: encodeCursor(last),
      hasMore: last < position,
      position,
    });
  });

  return r;
};

/** The events (after, to] as NDJSON, read page by page as the client consumes them. */
const ndjson = (deps: Deps, after: number, to: number): ReadableStream<Uint8Array> => {
  const encoder = new TextEncoder();
  if (to <= after) return new ReadableStream({ start: (ctl) => ctl.close() });
  const events = deps.ledger.store.iterate({ after, to, pageSize: 2_000 })[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      try {
        const lines: string[] = [];
        while (lines.length < 500) {
          const next = await events.next();
          if (next.done) break;
          lines.push(`${JSON.stringify(redactEvent(next.value))}\n`);
        }
        if (lines.length > 0) ctl.enqueue(encoder.encode(lines.join('')));
        if (lines.length < 500) ctl.close();
      } catch (error) {
        // Headers are gone: the only honest signal left is to cut the stream short.
        deps.logger.log({ level: 'error', msg: 'ndjson stream failed', error: describeError(error) });
        ctl.error(error);
      }
    },
    async cancel() {
      await events.return?.();
    },
  });
};
