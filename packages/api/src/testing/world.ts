import { type EventInput, fixedClock, Ledger, MemoryEventStore } from '@chitieu/core';
import { event, sequentialIds, unit } from '@chitieu/core/testing';
import { type AppOptions, createApp } from '../app.ts';
import { hashToken, type Scope, TokenTable } from '../auth/tokens.ts';
import { memoryLogger } from '../logging.ts';

/**
 * A small world for the in-process API tests: two provinces under the centre, districts under them, a few
 * activities with participants (one district with only 3 people, to be suppressed), headcounts, a plan with
 * targets, and a committee. Small enough to build in milliseconds for every test.
 *
 *   tw ─┬─ tinh-a ─┬─ huyen-a1 ── xa-a1-1
 *       │          └─ huyen-a2
 *       └─ tinh-b ─── huyen-b1
 */
export const CLOCK = fixedClock('2025-01-15T03:00:00Z');

const people = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

export const worldEvents = (): EventInput[] => [
  unit('tw', 'central', null, { name: 'Trung ương' }),
  unit('tinh-a', 'province', 'tw', { name: 'Tỉnh đoàn A' }),
  unit('tinh-b', 'province', 'tw', { name: 'Tỉnh đoàn B' }),
  unit('huyen-a1', 'district', 'tinh-a', { name: 'Huyện đoàn A1' }),
  unit('huyen-a2', 'district', 'tinh-a', { name: 'Huyện đoàn A2' }),
  unit('huyen-b1', 'district', 'tinh-b', { name: 'Huyện đoàn B1' }),
  unit('xa-a1-1', 'grassroots', 'huyen-a1', { name: 'Đoàn xã A1-1' }),
  event('headcount.reported', { unitId: 'huyen-a1', population: 'members', count: 100 }, '2024-01-01'),
  event('headcount.reported', { unitId: 'huyen-a2', population: 'members', count: 50 }, '2024-01-01'),
  event('group.defined', { groupId: 'lien-ket', name: 'Đơn vị liên kết' }, '2024-01-01'),
  event(
    'directive.issued',
    {
      directiveId: 'kh-01-tinh-a',
      number: '01-KH/TĐA',
      kind: 'plan',
      title: 'Kế hoạch báo cáo nội dung xấu độc năm 2024',
      issuer: { unitId: 'tinh-a' },
      period: { from: '2024-01-01', to: '2024-12-31' },
      targets: [
        {
          targetId: 'people-min',
          kind: 'minimum-count',
          per: 'unit',
          measure: { measure: 'people', activityKind: 'content-report' },
          min: 10,
          appliesTo: { level: 'district' },
        },
        {
          targetId: 'adopted',
          kind: 'coverage',
          predicate: { predicate: 'adopted' },
          min: 1,
          appliesTo: { level: 'district' },
        },
      ],
    },
    '2024-01-01',
  ),
  event(
    'directive.issued',
    {
      directiveId: 'kh-02-huyen-a1',
      number: '02-KH/HĐA1',
      kind: 'plan',
      title: 'Kế hoạch thực hiện 01-KH/TĐA',
      issuer: { unitId: 'huyen-a1' },
      period: { from: '2024-01-01', to: '2024-12-31' },
      implements: ['kh-01-tinh-a'],
    },
    '2024-02-01',
  ),
  event(
    'directive.issued',
    {
      directiveId: 'qd-311-ttg',
      number: '311/QĐ-TTg',
      kind: 'decision',
      title: 'Quyết định của Thủ tướng',
      issuer: { name: 'Thủ tướng Chính phủ' },
    },
    '2022-03-05',
  ),
  event('directive.adopted', { directiveId: 'kh-01-tinh-a', unitId: 'huyen-a1' }, '2024-02-01'),
  event(
    'activity.recorded',
    {
      activityId: 'act-a',
      unitId: 'tinh-a',
      kind: 'content-report',
      quantity: 10,
      participants: people('a', 7),
    },
    '2024-03-01',
  ),
  event(
    'activity.recorded',
    {
      activityId: 'act-a1',
      unitId: 'huyen-a1',
      kind: 'content-report',
      quantity: 30,
      participants: people('p', 20),
    },
    '2024-03-02',
  ),
  event(
    'activity.recorded',
    {
      activityId: 'act-a2',
      unitId: 'huyen-a2',
      kind: 'content-report',
      quantity: 4,
      participants: people('q', 3),
    },
    '2024-03-03',
  ),
  event(
    'activity.recorded',
    { activityId: 'act-b1', unitId: 'huyen-b1', kind: 'article', quantity: 2 },
    '2024-04-01',
  ),
  event(
    'body.constituted',
    { bodyId: 'bch-a1', unitId: 'huyen-a1', kind: 'executive-committee', name: 'BCH Huyện đoàn A1' },
    '2022-01-01',
  ),
  event(
    'role.assigned',
    { bodyId: 'bch-a1', personId: 'cb-001', role: 'secretary', reason: 'elected' },
    '2022-01-01',
  ),
];

/** Bearer tokens of the test world, by who holds them. */
export const TOKENS = {
  admin: 'tok-admin',
  national: 'tok-national-reader',
  writerA: 'tok-tinh-a-writer',
  readerA1: 'tok-huyen-a1-reader',
  writeOnly: 'tok-write-only',
} as const;

const entry = (name: string, token: string, scopes: Scope[], unit?: string) => ({
  name,
  sha256: hashToken(token),
  scopes,
  ...(unit === undefined ? {} : { unit }),
});

export const tokenTable = () =>
  new TokenTable([
    entry('admin', TOKENS.admin, ['admin']),
    entry('national', TOKENS.national, ['read']),
    entry('tinh-a-writer', TOKENS.writerA, ['read', 'write'], 'tinh-a'),
    entry('huyen-a1-reader', TOKENS.readerA1, ['read'], 'huyen-a1'),
    entry('write-only', TOKENS.writeOnly, ['write']),
  ]);

/** The world loaded into a memory store, and an app over it; `options` override the app's. */
export const world = async (options: Partial<AppOptions> = {}) => {
  const store = new MemoryEventStore({ clock: CLOCK, newId: sequentialIds() });
  const ledger = await Ledger.open({ store, clock: CLOCK, follow: false });
  await ledger.appendEvents(worldEvents());
  const logger = memoryLogger();
  const app = createApp({ ledger, clock: CLOCK, auth: { tokens: tokenTable() }, logger, ...options });
  const request = (
    path: string,
    init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token !== undefined) headers.Authorization = `Bearer ${init.token}`;
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      headers['Content-Type'] ??= 'application/json';
    }
    return app.request(path, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
    });
  };
  return { app, ledger, store, logger, request };
};

/** A response's JSON body, typed loosely for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes.
export const body = async (res: Response): Promise<any> => res.json();
