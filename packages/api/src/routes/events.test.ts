import { activity, event, unit } from '@chitieu/core/testing';
import { describe, expect, it } from 'vitest';
import { body, TOKENS, world } from '../testing/world.ts';

const newActivity = (id: string, unitId = 'huyen-a1', extra: object = {}) =>
  activity(id, unitId, '2024-05-01', { kind: 'content-report', quantity: 2, ...extra });

describe('POST /v1/events', () => {
  it('appends events to their canonical streams and answers 201 with positions, ids and head', async () => {
    const w = await world();
    const before = w.ledger.engine.position;
    const res = await w.request('/v1/events', {
      token: TOKENS.admin,
      body: { events: [newActivity('new-1')] },
    });
    expect(res.status).toBe(201);
    const b = await body(res);
    expect(b).toEqual({
      positions: [before + 1],
      ids: [expect.any(String)],
      head: before + 1,
      duplicate: false,
    });
    const stored = await w.store.readStream('activity-new-1');
    expect(stored).toHaveLength(1);
  });

  it('appends explicit writes with an expected version', async () => {
    const w = await world();
    const res = await w.request('/v1/events', {
      token: TOKENS.admin,
      body: {
        writes: [{ stream: 'activity-new-2', events: [newActivity('new-2')], expectedVersion: 'no-stream' }],
      },
    });
    expect(res.status).toBe(201);
    expect((await body(res)).positions).toHaveLength(1);
  });

  it('appends events in the order given, a stream again after another stream’s events', async () => {
    const w = await world();
    const before = w.ledger.engine.position;
    const res = await w.request('/v1/events', {
      token: TOKENS.admin,
      body: {
        events: [
          unit('xa-a1-9', 'grassroots', 'huyen-a1', { on: '2024-01-01' }),
          unit('huyen-a9', 'district', 'tinh-a', { on: '2024-01-01' }),
          event('unit.moved', { unitId: 'xa-a1-9', parentId: 'huyen-a9' }, '2024-03-01'),
        ],
      },
    });
    expect(res.status).toBe(201);
    expect((await body(res)).positions).toEqual([before + 1, before + 2, before + 3]);
    expect((await w.store.readStream('unit-xa-a1-9')).map((e) => [e.type, e.position])).toEqual([
      ['unit.registered', before + 1],
      ['unit.moved', before + 3],
    ]);
  });

  it('answers a retry of events with ids as a duplicate, with the original positions', async () => {
    const w = await world();
    const e = { ...newActivity('new-3'), id: '01J00000000000000000000001' };
    const first = await body(await w.request('/v1/events', { token: TOKENS.admin, body: { events: [e] } }));
    const again = await w.request('/v1/events', { token: TOKENS.admin, body: { events: [e] } });
    expect(again.status).toBe(201);
    expect(await body(again)).toEqual({ ...first, duplicate: true });
  });

  it('replays the first answer for a retry with the same Idempotency-Key and body', async () => {
    const w = await world();
    const send = (b: unknown) =>
      w.request('/v1/events', { token: TOKENS.admin, body: b, headers: { 'Idempotency-Key': 'k-1' } });
    const first = await send({ events: [newActivity('new-4')] });
    const head = w.ledger.engine.position;
    const again = await send({ events: [newActivity('new-4')] });
    expect(again.status).toBe(201);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await again.text()).toBe(await first.text());
    expect(w.ledger.engine.position).toBe(head);
  });

  it('refuses an Idempotency-Key reused with another body (422) and changes nothing', async () => {
    const w = await world();
    const send = (b: unknown) =>
      w.request('/v1/events', { token: TOKENS.admin, body: b, headers: { 'Idempotency-Key': 'k-2' } });
    await send({ events: [newActivity('new-5')] });
    const head = w.ledger.engine.position;
    const res = await send({ events: [newActivity('new-6')] });
    expect(res.status).toBe(422);
    expect((await body(res)).code).toBe('idempotency_key_reused');
    expect(w.ledger.engine.position).toBe(head);
  });

  it('keys idempotency per token, so two clients cannot collide', async () => {
    const w = await world();
    const headers = { 'Idempotency-Key': 'shared' };
    const a = await w.request('/v1/events', {
      token: TOKENS.admin,
      body: { events: [newActivity('k-a')] },
      headers,
    });
    const b = await w.request('/v1/events', {
      token: TOKENS.writerA,
      body: { events: [newActivity('k-b')] },
      headers,
    });
    expect([a.status, b.status]).toEqual([201, 201]);
  });

  it('rejects malformed JSON with 400 malformed_json as problem+json', async () => {
    const w = await world();
    const res = await w.request('/v1/events', { token: TOKENS.admin, body: '{"events": [' });
    expect(res.status).toBe(400);
    expect(res.headers.get('Content-Type')).toBe('application/problem+json');
    const b = await body(res);
    expect(b).toMatchObject({
      type: 'https://chitieu.dev/problems/malformed_json',
      title: 'Malformed JSON',
      status: 400,
      code: 'malformed_json',
    });
  });

  it('rejects a body that is not { events } or { writes } with 400 and the failing field', async () => {
    const w = await world();
    for (const bad of [
      [],
      { events: 'x' },
      { events: [], writes: [] },
      { event: [] },
      { writes: [{ stream: 's' }] },
      { events: [] },
    ]) {
      const res = await w.request('/v1/events', { token: TOKENS.admin, body: bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect((await body(res)).code).toBe('invalid_request');
    }
  });

  it('limits the events per request', async () => {
    const w = await world({ limits: { eventsPerRequest: 2 } });
    const res = await w.request('/v1/events', {
      token: TOKENS.admin,
      body: { events: [newActivity('l1'), newActivity('l2'), newActivity('l3')] },
    });
    expect(res.status).toBe(400);
    expect((await body(res)).issues[0].rule).toBe('too_big');
  });

  it('rejects valid JSON with invalid events with 422, listing each issue, and appends nothing', async () => {
    const w = await world();
    const head = w.ledger.engine.position;
    const res = await w.request('/v1/events', {
      token: TOKENS.admin,
      body: { events: [newActivity('ok-1'), newActivity('bad-1', 'huyen-a1', { quantity: -1 })] },
    });
    expect(res.status).toBe(422);
    const b = await body(res);
    expect(b.code).toBe('invalid_event');
    expect(b.issues).toContainEqual(expect.objectContaining({ path: 'events.1.data.quantity' }));
    expect(w.ledger.engine.position).toBe(head);
    expect(await w.store.readStream('activity-ok-1')).toHaveLength(0);
  });

  it('rejects events that break domain rules (an unknown unit) with 422', async () => {
    const w = await world();
    const res = await w.request('/v1/events', {
      token: TOKENS.admin,
      body: { events: [newActivity('x', 'no-such-unit')] },
    });
    expect(res.status).toBe(422);
    expect((await body(res)).issues[0]).toMatchObject({ path: 'events.0.data.unitId' });
  });

  it('answers a version conflict with 409 naming the stream and versions', async () => {
    const w = await world();
    const res = await w.request('/v1/events', {
      token: TOKENS.admin,
      body: {
        writes: [
          {
            stream: 'activity-act-a1',
            events: [event('activity.voided', { activityId: 'act-a1', reason: 'trùng' }, '2024-06-01')],
            expectedVersion: 5,
          },
        ],
      },
    });
    expect(res.status).toBe(409);
    expect(await body(res)).toMatchObject({
      code: 'version_conflict',
      stream: 'activity-act-a1',
      expected: 5,
      actual: 1,
    });
  });

  it('answers an event id reused with other content with 409 id_reused', async () => {
    const w = await world();
    const id = '01J00000000000000000000002';
    await w.request('/v1/events', { token: TOKENS.admin, body: { events: [{ ...newActivity('r-1'), id }] } });
    const res = await w.request('/v1/events', {
      token: TOKENS.admin,
      body: { events: [{ ...newActivity('r-2'), id }] },
    });
    expect(res.status).toBe(409);
    expect(await body(res)).toMatchObject({ code: 'id_reused', id });
  });

  it('needs a JSON content type (415)', async () => {
    const w = await world();
    const res = await w.request('/v1/events', {
      token: TOKENS.admin,
      body: JSON.stringify({ events: [newActivity('ct')] }),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expect((await body(res)).code).toBe('unsupported_media_type');
  });

  it('refuses a body above the limit with 413, by declared length or while reading', async () => {
    const w = await world({ limits: { bodyBytes: 200 } });
    const big = JSON.stringify({ events: [newActivity('big', 'huyen-a1', { title: 'x'.repeat(500) })] });
    const declared = await w.request('/v1/events', { token: TOKENS.admin, body: big });
    expect(declared.status).toBe(413);
    // Without a Content-Length (a chunked upload), the limit trips while streaming.
    const stream = new ReadableStream({
      start(ctl) {
        ctl.enqueue(new TextEncoder().encode(big));
        ctl.close();
      },
    });
    const chunked = await w.app.request('/v1/events', {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKENS.admin}`, 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await body(chunked)).code).toBe('payload_too_large');
  });

  it('never accepts writes without a token (401), even with open reads', async () => {
    const w = await world({ auth: { openReads: true } });
    const res = await w.request('/v1/events', { body: { events: [newActivity('anon')] } });
    expect(res.status).toBe(401);
    expect(res.headers.get('WWW-Authenticate')).toContain('Bearer');
  });

  it('refuses a token without the write scope (403)', async () => {
    const w = await world();
    const res = await w.request('/v1/events', {
      token: TOKENS.national,
      body: { events: [newActivity('ro')] },
    });
    expect(res.status).toBe(403);
  });

  it('lets a token confined to a province write inside it, including units it registers in the batch', async () => {
    const w = await world();
    const res = await w.request('/v1/events', {
      token: TOKENS.writerA,
      body: {
        events: [
          event(
            'unit.registered',
            { unitId: 'xa-a2-1', name: 'Xã A2-1', level: 'grassroots', parentId: 'huyen-a2' },
            '2024-01-01',
          ),
          newActivity('in-a', 'xa-a2-1'),
          event(
            'role.assigned',
            { bodyId: 'bch-a1', personId: 'cb-002', role: 'member', reason: 'co-opted' },
            '2024-06-01',
          ),
          event(
            'activity.corrected',
            { activityId: 'act-a1', set: { quantity: 31 }, reason: 'sửa' },
            '2024-06-01',
          ),
        ],
      },
    });
    expect(res.status).toBe(201);
  });

  it("refuses writes touching another province's units (403) with the events at fault, and appends nothing", async () => {
    const w = await world();
    const head = w.ledger.engine.position;
    const res = await w.request('/v1/events', {
      token: TOKENS.writerA,
      body: {
        events: [
          newActivity('in-a-2', 'huyen-a2'),
          newActivity('in-b', 'huyen-b1'),
          event('unit.moved', { unitId: 'huyen-a2', parentId: 'tinh-b' }, '2024-06-01'),
          event('activity.voided', { activityId: 'act-b1', reason: 'x' }, '2024-06-01'),
          event(
            'unit.registered',
            { unitId: 'xa-b', name: 'Xã B', level: 'grassroots', parentId: 'huyen-b1' },
            '2024-01-01',
          ),
        ],
      },
    });
    expect(res.status).toBe(403);
    const b = await body(res);
    expect(b.code).toBe('forbidden');
    expect(b.issues.map((i: { path: string }) => i.path)).toEqual([
      'events.1',
      'events.2',
      'events.3',
      'events.4',
    ]);
    expect(w.ledger.engine.position).toBe(head);
  });

  it('needs a token over every unit for events that act on no unit (a group, an outside authority)', async () => {
    const w = await world();
    const unitless = [
      event('group.defined', { groupId: 'g2', name: 'Nhóm' }, '2024-01-01'),
      event('directive.withdrawn', { directiveId: 'qd-311-ttg' }, '2024-01-01'),
    ];
    const scoped = await w.request('/v1/events', { token: TOKENS.writerA, body: { events: unitless } });
    expect(scoped.status).toBe(403);
    expect((await body(scoped)).issues.map((i: { rule: string }) => i.rule)).toEqual([
      'needs_unrestricted_token',
      'needs_unrestricted_token',
    ]);
    const national = await w.request('/v1/events', { token: TOKENS.writeOnly, body: { events: unitless } });
    expect(national.status).toBe(201);
  });
});

describe('GET /v1/events', () => {
  it('pages the log with opaque cursors', async () => {
    const w = await world();
    const first = await body(await w.request('/v1/events?limit=5', { token: TOKENS.national }));
    expect(first.events.map((e: { position: number }) => e.position)).toEqual([1, 2, 3, 4, 5]);
    expect(first.hasMore).toBe(true);
    expect(first.next).not.toMatch(/^\d+$/);
    const second = await body(
      await w.request(`/v1/events?limit=5&after=${first.next}`, { token: TOKENS.national }),
    );
    expect(second.events[0].position).toBe(6);
    const all = await body(await w.request(`/v1/events?limit=1000`, { token: TOKENS.national }));
    expect(all.hasMore).toBe(false);
    expect(all.events).toHaveLength(w.ledger.engine.position);
  });

  it('rejects an invalid cursor, a bad limit and unknown parameters with 400', async () => {
    const w = await world();
    for (const q of [
      'after=bm9wZQ',
      'after=%%%',
      'limit=0',
      'limit=5000',
      'limit=x',
      'from=3',
      'limit=1&limit=2',
    ]) {
      const res = await w.request(`/v1/events?${q}`, { token: TOKENS.national });
      expect(res.status, q).toBe(400);
    }
  });

  it('never lets participant or person ids out: lists become counts, in data, set and previous', async () => {
    const w = await world();
    await w.request('/v1/events', {
      token: TOKENS.admin,
      body: {
        events: [
          event(
            'activity.corrected',
            {
              activityId: 'act-a2',
              set: { participants: ['q1', 'q2', 'q3', 'q4'], quantity: 5 },
              reason: 'bổ sung',
            },
            '2024-06-01',
          ),
          event('activity.voided', { activityId: 'act-a', reason: 'trùng' }, '2024-06-01'),
        ],
      },
    });
    const res = await w.request('/v1/events?limit=1000', { token: TOKENS.national });
    const text = await res.clone().text();
    for (const id of ['"p1"', '"q1"', '"a1"', 'cb-001']) expect(text).not.toContain(id);
    const events = (await body(res)).events as { type: string; data: Record<string, unknown> }[];
    const recorded = events.find((e) => e.type === 'activity.recorded' && e.data.activityId === 'act-a1')!;
    expect(recorded.data).toMatchObject({ participantCount: 20 });
    expect(recorded.data).not.toHaveProperty('participants');
    const corrected = events.find((e) => e.type === 'activity.corrected')!;
    expect(corrected.data).toMatchObject({ set: { participantCount: 4 }, previous: { participantCount: 3 } });
    const voided = events.find((e) => e.type === 'activity.voided')!;
    expect(voided.data).toMatchObject({ previous: { participantCount: 7 } });
    const role = events.find((e) => e.type === 'role.assigned')!;
    expect(role.data).toEqual({
      bodyId: 'bch-a1',
      role: 'secretary',
      reason: 'elected',
      personRedacted: true,
    });
  });

  it('streams NDJSON, redacted, for Accept: application/x-ndjson', async () => {
    const w = await world();
    const res = await w.request('/v1/events', {
      token: TOKENS.national,
      headers: { Accept: 'application/x-ndjson' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/x-ndjson/);
    const lines = (await res.text()).trim().split('\n');
    expect(lines).toHaveLength(w.ledger.engine.position);
    expect(lines.join('\n')).not.toContain('"participants"');
    expect(JSON.parse(lines[0]!).position).toBe(1);
    const partial = await w.request('/v1/events?limit=3', {
      token: TOKENS.national,
      headers: { Accept: 'application/x-ndjson' },
    });
    expect((await partial.text()).trim().split('\n')).toHaveLength(3);
    const cursor = partial.headers.get('Chitieu-Next-Cursor')!;
    const rest = await w.request(`/v1/events?after=${cursor}`, {
      token: TOKENS.national,
      headers: { Accept: 'application/x-ndjson' },
    });
    expect(JSON.parse((await rest.text()).split('\n')[0]!).position).toBe(4);
  });

  it('is only for tokens over every unit (the log spans them all)', async () => {
    const w = await world();
    const res = await w.request('/v1/events', { token: TOKENS.readerA1 });
    expect(res.status).toBe(403);
  });

  it('answers 304 to a current ETag and a new ETag after an append', async () => {
    const w = await world();
    const first = await w.request('/v1/events', { token: TOKENS.national });
    const etag = first.headers.get('ETag')!;
    expect(first.headers.get('Cache-Control')).toBe('private, no-cache');
    const again = await w.request('/v1/events', {
      token: TOKENS.national,
      headers: { 'If-None-Match': etag },
    });
    expect(again.status).toBe(304);
    await w.request('/v1/events', { token: TOKENS.admin, body: { events: [newActivity('after-etag')] } });
    const changed = await w.request('/v1/events', {
      token: TOKENS.national,
      headers: { 'If-None-Match': etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('ETag')).not.toBe(etag);
  });
});
