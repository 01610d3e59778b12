import { event } from '@chitieu/core/testing';
import { describe, expect, it } from 'vitest';
import { body, TOKENS, world } from '../testing/world.ts';

const people = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

describe('GET /v1/indicators', () => {
  it('lists the catalogue with each indicator’s parameter schema', async () => {
    const w = await world();
    const res = await w.request('/v1/indicators', { token: TOKENS.national });
    const b = await body(res);
    expect(b.indicators.map((i: { name: string }) => i.name)).toContain('participation-rate');
    expect(b.indicators.find((i: { name: string }) => i.name === 'cadence').params.properties.min.type).toBe(
      'integer',
    );
    expect(res.headers.get('ETag')).toBeTruthy();
  });
});

describe('GET /v1/indicators/{name}', () => {
  it('answers a figure for a subtree and period, with the indicator’s params from the query', async () => {
    const w = await world();
    const res = await w.request('/v1/indicators/turns?unit=tinh-a&period=2024&kind=content-report', {
      token: TOKENS.national,
    });
    expect(res.status).toBe(200);
    expect(await body(res)).toMatchObject({
      indicator: 'turns',
      unit: { id: 'tinh-a' },
      period: { from: '2024-01-01', to: '2024-12-31' },
      params: { kind: 'content-report' },
      value: 44,
      position: w.ledger.engine.position,
    });
  });

  it('parses numbers where the parameter schema wants them', async () => {
    const w = await world();
    const res = await w.request(
      '/v1/indicators/cadence?unit=huyen-a1&period=2024-Q1&kind=content-report&min=1&per=month',
      {
        token: TOKENS.national,
      },
    );
    expect(res.status).toBe(200);
    expect((await body(res)).params).toEqual({ kind: 'content-report', min: 1, per: 'month' });
    const text = await w.request(
      '/v1/indicators/cadence?unit=huyen-a1&period=2024&kind=content-report&min=two&per=month',
      {
        token: TOKENS.national,
      },
    );
    expect(text.status).toBe(400);
    expect((await body(text)).issues[0].path).toBe('params.min');
  });

  it('breaks down by unit and by period', async () => {
    const w = await world();
    const byUnit = await body(
      await w.request('/v1/indicators/turns?unit=tinh-a&period=2024&by=unit', { token: TOKENS.national }),
    );
    expect(byUnit.rows.map((r: { key: string; value: number }) => [r.key, r.value])).toEqual([
      ['tinh-a', 10],
      ['huyen-a1', 30],
      ['huyen-a2', 4],
    ]);
    const byMonth = await body(
      await w.request('/v1/indicators/activities?unit=tw&period=2024-H1&by=period&grain=month', {
        token: TOKENS.national,
      }),
    );
    expect(byMonth.rows.map((r: { value: number }) => r.value)).toEqual([0, 0, 3, 1, 0, 0]);
  });

  it('is 404 for an unknown indicator or unit, and 400 for a bad query', async () => {
    const w = await world();
    const unknown = await w.request('/v1/indicators/happiness?unit=tw&period=2024', {
      token: TOKENS.national,
    });
    expect(unknown.status).toBe(404);
    expect(await body(unknown)).toMatchObject({ code: 'not_found', kind: 'indicator' });
    expect(
      (await w.request('/v1/indicators/turns?unit=nowhere&period=2024', { token: TOKENS.national })).status,
    ).toBe(404);
    for (const q of [
      'unit=tw',
      'period=2024',
      'unit=tw&period=someday',
      'unit=tw&period=2024&by=colour',
      'unit=tw&period=2024&by=period',
      'unit=tw&period=2024&colour=red',
      'unit=tw&period=2024&kind=article&kind=post',
      'unit=tw&period=2024&view=sideways',
      'unit=tw&period=2024&knownAt=-1',
    ]) {
      const res = await w.request(`/v1/indicators/turns?${q}`, { token: TOKENS.national });
      expect(res.status, q).toBe(400);
      expect((await body(res)).code, q).toMatch(/^invalid_(query|request)$/);
    }
  });

  it('gives CSV with a header, the total row and the breakdown rows for Accept: text/csv', async () => {
    const w = await world();
    const res = await w.request('/v1/indicators/turns?unit=tinh-a&period=2024&by=unit', {
      token: TOKENS.national,
      headers: { Accept: 'text/csv' },
    });
    expect(res.headers.get('Content-Type')).toMatch(/^text\/csv/);
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines).toEqual([
      'row,key,label,value,reason,exact,numerator,denominator',
      'total,tinh-a,Tỉnh đoàn A — 2024,44,,true,,',
      'unit,tinh-a,Tỉnh đoàn A (itself),10,,true,,',
      'unit,huyen-a1,Huyện đoàn A1,30,,true,,',
      'unit,huyen-a2,Huyện đoàn A2,4,,true,,',
    ]);
    const json = await w.request('/v1/indicators/turns?unit=tinh-a&period=2024', {
      token: TOKENS.national,
      headers: { Accept: 'text/csv;q=0.5, application/json' },
    });
    expect(json.headers.get('Content-Type')).toMatch(/^application\/json/);
  });

  it('is 403 for a unit outside the token subtree', async () => {
    const w = await world();
    expect(
      (await w.request('/v1/indicators/turns?unit=tinh-a&period=2024', { token: TOKENS.readerA1 })).status,
    ).toBe(403);
    expect(
      (await w.request('/v1/indicators/turns?unit=xa-a1-1&period=2024', { token: TOKENS.readerA1 })).status,
    ).toBe(200);
  });
});

describe('suppression of small people counts', () => {
  it('withholds a total below the threshold, with the reason', async () => {
    const w = await world();
    const b = await body(
      await w.request('/v1/indicators/people?unit=huyen-a2&period=2024', { token: TOKENS.admin }),
    );
    expect(b).toMatchObject({ value: null, reason: 'suppressed: fewer than 5 people', suppressed: true });
    expect(b).not.toHaveProperty('exact');
    const zero = await body(
      await w.request('/v1/indicators/people?unit=huyen-b1&period=2024', { token: TOKENS.admin }),
    );
    expect(zero.value).toBe(0);
  });

  it('withholds a second row so that the total minus the published rows reveals no small count', async () => {
    const w = await world();
    const b = await body(
      await w.request('/v1/indicators/people?unit=tinh-a&period=2024&by=unit', { token: TOKENS.national }),
    );
    expect(b.value).toBe(30);
    const rows = Object.fromEntries(b.rows.map((r: { key: string }) => [r.key, r]));
    expect(rows['huyen-a2']).toMatchObject({ value: null, reason: 'suppressed: fewer than 5 people' });
    // The smallest other row (the province's own 7) goes too; huyen-a1's 20 stays.
    expect(rows['tinh-a']).toMatchObject({ value: null, suppressed: true });
    expect(rows['tinh-a'].reason).toMatch(/would reveal/);
    expect(rows['huyen-a1'].value).toBe(20);
    const published = b.rows.filter((r: { value: number | null }) => r.value !== null);
    expect(
      b.value - published.reduce((s: number, r: { value: number }) => s + r.value, 0),
    ).toBeGreaterThanOrEqual(5);
  });

  it('suppresses the same way in CSV and in the explain drill-down', async () => {
    const w = await world();
    const csv = await (
      await w.request('/v1/indicators/people?unit=tinh-a&period=2024&by=unit', {
        token: TOKENS.national,
        headers: { Accept: 'text/csv' },
      })
    ).text();
    expect(csv).toContain('unit,huyen-a2,Huyện đoàn A2,,suppressed: fewer than 5 people');
    expect(csv).not.toMatch(/huyen-a2,[^,]*,3,/);
    const explain = await body(
      await w.request('/v1/indicators/people/explain?unit=tinh-a&period=2024', { token: TOKENS.national }),
    );
    expect(explain.rows.find((r: { key: string }) => r.key === 'huyen-a2').value).toBeNull();
  });

  it('withholds the participation rate and its numerator when few people took part', async () => {
    const w = await world();
    const small = await body(
      await w.request('/v1/indicators/participation-rate?unit=huyen-a2&period=2024&population=members', {
        token: TOKENS.national,
      }),
    );
    expect(small).toMatchObject({
      value: null,
      suppressed: true,
      detail: { numerator: null, denominator: 50 },
    });
    const big = await body(
      await w.request('/v1/indicators/participation-rate?unit=huyen-a1&period=2024&population=members', {
        token: TOKENS.national,
      }),
    );
    expect(big).toMatchObject({ value: 0.2, detail: { numerator: 20, denominator: 100 } });
  });

  it('applies to admin tokens too, and follows a configured threshold', async () => {
    const w = await world({ suppression: { threshold: 25 } });
    const b = await body(
      await w.request('/v1/indicators/people?unit=huyen-a1&period=2024', { token: TOKENS.admin }),
    );
    expect(b.value).toBeNull();
    expect(b.reason).toBe('suppressed: fewer than 25 people');
  });

  it('leaves turns and other additive counts alone', async () => {
    const w = await world();
    const b = await body(
      await w.request('/v1/indicators/turns?unit=huyen-a2&period=2024', { token: TOKENS.national }),
    );
    expect(b.value).toBe(4);
  });
});

describe('GET /v1/indicators/{name}/explain', () => {
  it('drills down to rows and the redacted events behind the unit’s own records, page by page', async () => {
    const w = await world();
    await w.request('/v1/events', {
      token: TOKENS.admin,
      body: {
        events: [1, 2, 3].map((n) =>
          event(
            'activity.recorded',
            {
              activityId: `own-${n}`,
              unitId: 'huyen-a1',
              kind: 'article',
              participants: people(`z${n}-`, 1),
            },
            `2024-0${n}-10`,
          ),
        ),
      },
    });
    const first = await body(
      await w.request('/v1/indicators/activities/explain?unit=huyen-a1&period=2024&limit=2', {
        token: TOKENS.national,
      }),
    );
    expect(first.result.value).toBe(4);
    expect(first.eventCount).toBe(4);
    expect(first.events).toHaveLength(2);
    expect(first.hasMore).toBe(true);
    expect(JSON.stringify(first.events)).not.toContain('"participants"');
    expect(first.events[0].data).toHaveProperty('participantCount');
    const second = await body(
      await w.request(
        `/v1/indicators/activities/explain?unit=huyen-a1&period=2024&limit=2&after=${first.next}`,
        { token: TOKENS.national },
      ),
    );
    expect(second.events).toHaveLength(2);
    expect(second.hasMore).toBe(false);
    expect(second.events[0].position).toBeGreaterThan(first.events[1].position);
  });

  it('rejects a bad cursor (400) and a unit outside the subtree (403)', async () => {
    const w = await world();
    expect(
      (
        await w.request('/v1/indicators/activities/explain?unit=tw&period=2024&after=zzz', {
          token: TOKENS.national,
        })
      ).status,
    ).toBe(400);
    expect(
      (await w.request('/v1/indicators/activities/explain?unit=tw&period=2024', { token: TOKENS.readerA1 }))
        .status,
    ).toBe(403);
  });
});

describe('caching and knownAt', () => {
  const url = '/v1/indicators/turns?unit=tinh-a&period=2024&kind=content-report';
  const more = {
    events: [
      event(
        'activity.recorded',
        { activityId: 'late', unitId: 'huyen-a2', kind: 'content-report', quantity: 6 },
        '2024-08-01',
      ),
    ],
  };

  it('answers 304 without asking the core, and a new ETag once an append changes the log', async () => {
    const w = await world();
    const first = await w.request(url, { token: TOKENS.national });
    const etag = first.headers.get('ETag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('Cache-Control')).toBe('private, no-cache');
    let asked = 0;
    const original = w.ledger.indicator.bind(w.ledger);
    w.ledger.indicator = (q) => {
      asked += 1;
      return original(q);
    };
    const cached = await w.request(url, {
      token: TOKENS.national,
      headers: { 'If-None-Match': etag, 'X-Request-Id': 'again-1' },
    });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe('');
    expect(asked).toBe(0);
    // The 304 is built with every header in one object; it still carries what every response does.
    expect(Object.fromEntries(cached.headers)).toEqual({
      etag,
      'cache-control': 'private, no-cache',
      vary: 'Accept, Authorization',
      'x-request-id': 'again-1',
      'x-content-type-options': 'nosniff',
    });
    await w.request('/v1/events', { token: TOKENS.admin, body: more });
    const fresh = await w.request(url, { token: TOKENS.national, headers: { 'If-None-Match': etag } });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('ETag')).not.toBe(etag);
    expect((await body(fresh)).value).toBe(50);
  });

  it('gives different ETags to different queries, representations and tokens', async () => {
    const w = await world();
    const tags = await Promise.all([
      w.request(url, { token: TOKENS.national }),
      w.request(`${url}&by=unit`, { token: TOKENS.national }),
      w.request(url, { token: TOKENS.national, headers: { Accept: 'text/csv' } }),
      w.request(url, { token: TOKENS.admin }),
    ]).then((rs) => rs.map((r) => r.headers.get('ETag')));
    expect(new Set(tags).size).toBe(4);
  });

  it('pins an answer to knownAt, which a later append does not change and caches may keep', async () => {
    const w = await world();
    const position = w.ledger.engine.position;
    await w.request('/v1/events', { token: TOKENS.admin, body: more });
    const then = await w.request(`${url}&knownAt=${position}`, { token: TOKENS.national });
    expect(await body(then)).toMatchObject({ value: 44, position });
    expect(then.headers.get('Cache-Control')).toMatch(/^private, max-age=\d+$/);
    const now = await body(await w.request(url, { token: TOKENS.national }));
    expect(now.value).toBe(50);
    // Before anything was recorded, the unit was not known yet.
    const instant = await w.request(`${url}&knownAt=2020-01-01T00:00:00Z`, { token: TOKENS.national });
    expect(instant.status).toBe(404);
    expect(instant.headers.get('Cache-Control')).toBe('no-store');
  });
});
