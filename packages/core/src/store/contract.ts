import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { IdReusedError, InvalidEventError, StoreClosedError, VersionConflictError } from '../errors.ts';
import type { EventInput, StoredEvent } from '../events/envelope.ts';
import { activity, event } from '../testing/builders.ts';
import { sequentialIds } from '../testing/ids.ts';
import { type Clock, fixedClock } from '../time/civil.ts';
import { exportLog, importLog } from './log-transfer.ts';
import type { EventStore } from './types.ts';

/** How the contract suite gets stores: a fresh empty one per test, and (for durable stores) the same storage reopened. */
export interface ContractHarness {
  open(options: { clock: Clock; newId: () => string }): Promise<EventStore>;
  /** Closes `store` and opens its storage again; durable stores must keep every acknowledged event. */
  reopen?(store: EventStore, options: { clock: Clock; newId: () => string }): Promise<EventStore>;
}

const FC_SEED = 20_251_123;
const fcParams = { seed: FC_SEED, numRuns: 40, verbose: 1 } as const;

const issuesOf = async (p: Promise<unknown>) => {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidEventError);
  return (error as InvalidEventError).issues;
};

/**
 * The behaviour every EventStore must show. Run it against each implementation with a factory; a new store
 * is done when this suite passes unchanged.
 */
export const eventStoreContract = (name: string, harness: ContractHarness): void => {
  describe(`EventStore contract: ${name}`, () => {
    const opened: EventStore[] = [];
    const clock = fixedClock('2024-05-01T03:00:00.000Z');
    let namespace = 0;
    const open = async () => {
      namespace += 1;
      const store = await harness.open({ clock, newId: sequentialIds(Date.UTC(2024, 4, 1), namespace) });
      opened.push(store);
      return store;
    };
    const ids = sequentialIds(Date.UTC(2023, 0, 1), 7);
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close().catch(() => undefined);
    });

    describe('appending and reading', () => {
      it('starts empty', async () => {
        const store = await open();
        expect(await store.head()).toBe(0);
        expect((await store.readAll()).events).toEqual([]);
        expect(await store.streamVersion('activity-a')).toBe(0);
        expect(await store.readStream('activity-a')).toEqual([]);
      });

      it('assigns positions, versions, ids and recordedAt, and reads back what was written', async () => {
        const store = await open();
        const r = await store.append('unit-u1', [
          event(
            'unit.registered',
            { unitId: 'u1', name: 'Tỉnh đoàn Sóc Trăng', level: 'province', parentId: null },
            '2020-01-01',
          ),
          event('unit.renamed', { unitId: 'u1', name: 'Tỉnh Đoàn Sóc Trăng' }, '2021-03-26T08:00', {
            meta: { source: 'QĐ 1-QĐ/TĐ', actor: 'văn phòng' },
          }),
        ]);
        expect(r).toMatchObject({ positions: [1, 2], duplicate: false, head: 2 });
        expect(r.streams).toEqual([{ stream: 'unit-u1', positions: [1, 2], version: 2 }]);
        expect(r.ids).toHaveLength(2);
        const events = await store.readStream('unit-u1');
        expect(events.map((e) => [e.type, e.version, e.position, e.id])).toEqual([
          ['unit.registered', 1, 1, r.ids[0]],
          ['unit.renamed', 2, 2, r.ids[1]],
        ]);
        expect(events[0]!.recordedAt).toBe('2024-05-01T03:00:00.000Z');
        expect(events[1]!.occurredAt).toBe('2021-03-26T08:00+07:00');
        expect(events[1]!.meta).toEqual({ source: 'QĐ 1-QĐ/TĐ', actor: 'văn phòng' });
        expect(events[0]).not.toHaveProperty('meta');
        expect(events[0]!.data).toEqual({
          unitId: 'u1',
          name: 'Tỉnh đoàn Sóc Trăng',
          level: 'province',
          parentId: null,
        });
      });

      it('stores data with schema defaults applied', async () => {
        const store = await open();
        await store.append('activity-a1', [
          event('activity.recorded', { activityId: 'a1', unitId: 'u1', kind: 'meeting' }, '2022-01-05'),
        ]);
        const [e] = await store.readStream('activity-a1');
        expect(e!.data).toEqual({ activityId: 'a1', unitId: 'u1', kind: 'meeting', quantity: 1 });
      });

      it('keeps positions gap-free and increasing across streams', async () => {
        const store = await open();
        await store.append('activity-a', [activity('a', 'u1', '2023-01-01')]);
        await store.append('activity-b', [activity('b', 'u1', '2023-01-02')]);
        await store.appendBatch([
          { stream: 'activity-c', events: [activity('c', 'u2', '2023-01-03')] },
          { stream: 'activity-d', events: [activity('d', 'u2', '2023-01-03')] },
        ]);
        const page = await store.readAll();
        expect(page.events.map((e) => e.position)).toEqual([1, 2, 3, 4]);
        expect(page.events.map((e) => e.stream)).toEqual([
          'activity-a',
          'activity-b',
          'activity-c',
          'activity-d',
        ]);
        expect(page).toMatchObject({ next: 4, head: 4 });
      });

      it('pages through the log and iterates it without gaps', async () => {
        const store = await open();
        for (let i = 0; i < 25; i++)
          await store.append(`activity-x${i}`, [activity(`x${i}`, 'u1', '2023-02-01')]);
        const first = await store.readAll({ after: 0, limit: 10 });
        const second = await store.readAll({ after: first.next, limit: 10 });
        const third = await store.readAll({ after: second.next, limit: 10 });
        expect([first.events.length, second.events.length, third.events.length]).toEqual([10, 10, 5]);
        expect(third.next).toBe(25);
        expect((await store.readAll({ after: 25 })).events).toEqual([]);
        const seen: number[] = [];
        for await (const e of store.iterate({ after: 3, pageSize: 4 })) seen.push(e.position);
        expect(seen).toEqual(Array.from({ length: 22 }, (_, i) => i + 4));
        const bounded: number[] = [];
        for await (const e of store.iterate({ after: 0, to: 7, pageSize: 3 })) bounded.push(e.position);
        expect(bounded).toEqual([1, 2, 3, 4, 5, 6, 7]);
      });

      it('reads a stream from a version with a limit', async () => {
        const store = await open();
        await store.append('unit-u1', [
          event(
            'unit.registered',
            { unitId: 'u1', name: 'A', level: 'district', parentId: 'p' },
            '2020-01-01',
          ),
          event('unit.renamed', { unitId: 'u1', name: 'B' }, '2021-01-01'),
          event('unit.renamed', { unitId: 'u1', name: 'C' }, '2022-01-01'),
        ]);
        const mid = await store.readStream('unit-u1', { fromVersion: 2, limit: 1 });
        expect(mid.map((e) => (e.data as { name: string }).name)).toEqual(['B']);
      });

      it('finds events by id', async () => {
        const store = await open();
        const id = ids();
        await store.append('activity-a', [activity('a', 'u1', '2023-01-01', {}, { id })]);
        const found = await store.getEvents([id, ids()]);
        expect([...found.keys()]).toEqual([id]);
        expect(found.get(id)!.position).toBe(1);
      });
    });

    describe('optimistic concurrency', () => {
      it('appends when the expected version matches, and rejects a stale one writing nothing', async () => {
        const store = await open();
        await store.append('activity-a', [activity('a', 'u1', '2023-01-01')], {
          expectedVersion: 'no-stream',
        });
        await store.append(
          'activity-a',
          [event('activity.voided', { activityId: 'a', reason: 'nhập trùng' }, '2023-01-02')],
          { expectedVersion: 1 },
        );
        const stale = store.append(
          'activity-a',
          [event('activity.voided', { activityId: 'a', reason: 'again' }, '2023-01-03')],
          { expectedVersion: 1 },
        );
        await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
        await expect(stale).rejects.toMatchObject({
          code: 'version_conflict',
          stream: 'activity-a',
          expected: 1,
          actual: 2,
        });
        expect(await store.head()).toBe(2);
      });

      it('checks no-stream and stream-exists', async () => {
        const store = await open();
        await expect(
          store.append('activity-a', [activity('a', 'u1', '2023-01-01')], {
            expectedVersion: 'stream-exists',
          }),
        ).rejects.toMatchObject({ code: 'version_conflict', actual: 0 });
        await store.append('activity-a', [activity('a', 'u1', '2023-01-01')], {
          expectedVersion: 'no-stream',
        });
        await expect(
          store.append(
            'activity-a',
            [event('activity.voided', { activityId: 'a', reason: 'x' }, '2023-01-01')],
            {
              expectedVersion: 'no-stream',
            },
          ),
        ).rejects.toMatchObject({ code: 'version_conflict', expected: 'no-stream', actual: 1 });
      });

      it('aborts a whole batch when one stream, even a guard with no events, is stale', async () => {
        const store = await open();
        await store.append('activity-a', [activity('a', 'u1', '2023-01-01')]);
        const batch = store.appendBatch([
          { stream: 'activity-b', events: [activity('b', 'u1', '2023-01-01')], expectedVersion: 'no-stream' },
          { stream: 'activity-a', events: [], expectedVersion: 0 },
        ]);
        await expect(batch).rejects.toBeInstanceOf(VersionConflictError);
        expect(await store.head()).toBe(1);
        expect(await store.streamVersion('activity-b')).toBe(0);
        const ok = await store.appendBatch([
          { stream: 'activity-b', events: [activity('b', 'u1', '2023-01-01')], expectedVersion: 'no-stream' },
          { stream: 'activity-a', events: [], expectedVersion: 1 },
        ]);
        expect(ok.positions).toEqual([2]);
      });

      it('lets exactly one of two concurrent writers with the same expected version win', async () => {
        const store = await open();
        await store.append('activity-a', [activity('a', 'u1', '2023-01-01')]);
        const attempt = (reason: string) =>
          store.append('activity-a', [event('activity.voided', { activityId: 'a', reason }, '2023-01-02')], {
            expectedVersion: 1,
          });
        const results = await Promise.allSettled([attempt('one'), attempt('two')]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(rejected.reason).toBeInstanceOf(VersionConflictError);
        expect(await store.streamVersion('activity-a')).toBe(2);
      });
    });

    describe('idempotency', () => {
      it('returns the original positions for a retried batch and appends nothing, even with a stale version', async () => {
        const store = await open();
        const batch = [
          activity('a', 'u1', '2023-01-01', {}, { id: ids() }),
          activity('b', 'u1', '2023-01-02', {}, { id: ids() }),
        ];
        const writes = [
          { stream: 'activity-a', events: [batch[0]!], expectedVersion: 'no-stream' as const },
          { stream: 'activity-b', events: [batch[1]!], expectedVersion: 'no-stream' as const },
        ];
        const first = await store.appendBatch(writes);
        await store.append('activity-c', [activity('c', 'u1', '2023-01-03')]);
        const again = await store.appendBatch(writes);
        expect(again).toMatchObject({ duplicate: true, positions: first.positions, ids: first.ids, head: 3 });
        expect(again.streams).toEqual(first.streams);
        expect(await store.head()).toBe(3);
      });

      it('rejects an id reused with different content, writing nothing', async () => {
        const store = await open();
        const id = ids();
        await store.append('activity-a', [activity('a', 'u1', '2023-01-01', { quantity: 3 }, { id })]);
        const reuse = store.append('activity-a', [
          activity('a', 'u1', '2023-01-01', { quantity: 4 }, { id }),
        ]);
        await expect(reuse).rejects.toBeInstanceOf(IdReusedError);
        await expect(reuse).rejects.toMatchObject({
          reason: 'different_content',
          position: 1,
          path: 'writes.0.events.0.id',
        });
        expect(await store.head()).toBe(1);
      });

      it('rejects a batch that mixes a retried event with new ones', async () => {
        const store = await open();
        const id = ids();
        await store.append('activity-a', [activity('a', 'u1', '2023-01-01', {}, { id })]);
        const mixed = store.appendBatch([
          { stream: 'activity-a', events: [activity('a', 'u1', '2023-01-01', {}, { id })] },
          { stream: 'activity-b', events: [activity('b', 'u1', '2023-01-01')] },
        ]);
        await expect(mixed).rejects.toMatchObject({ code: 'id_reused', reason: 'partial_retry' });
        expect(await store.head()).toBe(1);
      });
    });

    describe('validation', () => {
      it('rejects unknown types, impossible dates and negative quantities, naming field and rule', async () => {
        const store = await open();
        const issues = await issuesOf(
          store.appendBatch([
            { stream: 'activity-a', events: [activity('a', 'u1', '2024-02-30')] },
            { stream: 'activity-b', events: [activity('b', 'u1', '2024-02-29', { quantity: -3 })] },
            { stream: 'x', events: [{ type: 'unit.exploded', occurredAt: '2024-01-01', data: {} }] },
          ]),
        );
        expect(issues).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ path: 'writes.0.events.0.occurredAt', rule: 'invalid' }),
            expect.objectContaining({ path: 'writes.1.events.0.data.quantity', rule: 'too_small' }),
            expect.objectContaining({ path: 'writes.2.events.0.type', rule: 'unknown_type' }),
          ]),
        );
        expect(await store.head()).toBe(0);
      });

      it('rejects text that not every store can keep (NUL, an unpaired surrogate)', async () => {
        const store = await open();
        const issues = await issuesOf(
          store.appendBatch([
            {
              stream: 'unit-u1',
              events: [
                event(
                  'unit.registered',
                  { unitId: 'u1', name: 'bad\u0000name', level: 'central', parentId: null },
                  '2020-01-01',
                ),
              ],
            },
            {
              stream: 'activity-a',
              events: [activity('a', 'u1', '2024-01-01', { title: 'half \uD83D' }, { meta: { note: 'ok' } })],
            },
          ]),
        );
        expect(issues.map((i) => [i.path, i.rule])).toEqual([
          ['writes.0.events.0.data.name', 'unstorable_text'],
          ['writes.1.events.0.data.title', 'unstorable_text'],
        ]);
        expect(await store.head()).toBe(0);
      });

      it('rejects an event written to the wrong stream', async () => {
        const store = await open();
        const issues = await issuesOf(store.append('activity-zzz', [activity('a', 'u1', '2024-01-01')]));
        expect(issues).toEqual([
          expect.objectContaining({ path: 'writes.0.events.0.stream', rule: 'wrong_stream' }),
        ]);
      });

      it('rejects a whole batch when one event is invalid', async () => {
        const store = await open();
        const good = Array.from({ length: 5 }, (_, i) => activity(`g${i}`, 'u1', '2024-01-01'));
        await issuesOf(
          store.appendBatch([
            ...good.map((e, i) => ({ stream: `activity-g${i}`, events: [e] })),
            {
              stream: 'activity-bad',
              events: [activity('bad', 'u1', '2024-01-01', { kind: 'dance' as never })],
            },
          ]),
        );
        expect(await store.head()).toBe(0);
      });

      it('rejects the same id twice in one batch', async () => {
        const store = await open();
        const id = ids();
        const issues = await issuesOf(
          store.appendBatch([
            { stream: 'activity-a', events: [activity('a', 'u1', '2024-01-01', {}, { id })] },
            { stream: 'activity-b', events: [activity('b', 'u1', '2024-01-01', {}, { id })] },
          ]),
        );
        expect(issues.map((i) => [i.path, i.rule])).toEqual([['writes.1.events.0.id', 'duplicate_id']]);
        expect(await store.head()).toBe(0);
      });

      it('takes a stream written more than once in a batch: in the order of the writes, each continuing its version, each expected version checked against the writes before it', async () => {
        const store = await open();
        const registered = (u: string) =>
          event(
            'unit.registered',
            { unitId: u, name: `Đơn vị ${u}`, level: 'province', parentId: null },
            '2020-01-01',
          );
        const renamed = (u: string, name: string) => event('unit.renamed', { unitId: u, name }, '2021-01-01');
        const r = await store.appendBatch([
          { stream: 'unit-u1', events: [registered('u1')], expectedVersion: 'no-stream' },
          { stream: 'unit-u2', events: [registered('u2')] },
          { stream: 'unit-u1', events: [renamed('u1', 'Một'), renamed('u1', 'Một bis')], expectedVersion: 1 },
          { stream: 'unit-u1', events: [], expectedVersion: 3 },
        ]);
        expect(r.streams).toEqual([
          { stream: 'unit-u1', positions: [1], version: 1 },
          { stream: 'unit-u2', positions: [2], version: 1 },
          { stream: 'unit-u1', positions: [3, 4], version: 3 },
          { stream: 'unit-u1', positions: [], version: 3 },
        ]);
        expect((await store.readStream('unit-u1')).map((e) => [e.version, e.position])).toEqual([
          [1, 1],
          [2, 3],
          [3, 4],
        ]);
        // A later write expecting the version from before the batch conflicts, and nothing of the batch lands.
        const stale = store.appendBatch([
          { stream: 'unit-u2', events: [renamed('u2', 'Hai')], expectedVersion: 1 },
          { stream: 'unit-u2', events: [renamed('u2', 'Hai bis')], expectedVersion: 1 },
        ]);
        await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
        expect(await store.head()).toBe(4);
        // A retry of the whole batch by ids returns the first positions, write by write.
        const first = ids();
        const second = ids();
        const batch = [
          { stream: 'unit-u2', events: [{ ...renamed('u2', 'Hai'), id: first }] },
          { stream: 'unit-u1', events: [renamed('u1', 'Một ter')] },
          { stream: 'unit-u2', events: [{ ...renamed('u2', 'Hai bis'), id: second }] },
        ];
        const done = await store.appendBatch(batch);
        expect(done.positions).toEqual([5, 6, 7]);
        const again = await store.appendBatch([batch[0]!, batch[2]!]);
        expect(again).toMatchObject({ duplicate: true, positions: [5, 7], head: 7 });
        expect(again.streams).toEqual([
          { stream: 'unit-u2', positions: [5], version: 2 },
          { stream: 'unit-u2', positions: [7], version: 3 },
        ]);
      });
    });

    describe('schema evolution', () => {
      it('reads an event stored at an older schema version in the current shape', async () => {
        const store = await open();
        await store.append('activity-old', [
          {
            type: 'activity.recorded',
            schemaVersion: 1,
            occurredAt: '2019-05-01',
            data: { activityId: 'old', unitId: 'u1', kind: 'education', turns: 120 },
          },
        ]);
        await store.append('headcount-u1', [
          {
            type: 'headcount.reported',
            schemaVersion: 1,
            occurredAt: '2019-12-31',
            data: { unitId: 'u1', population: 'đoàn viên', count: 5400 },
          },
        ]);
        const [a, h] = (await store.readAll()).events;
        expect(a).toMatchObject({
          schemaVersion: 1,
          data: { activityId: 'old', kind: 'education', quantity: 120 },
        });
        expect(a!.data).not.toHaveProperty('turns');
        expect(h).toMatchObject({ schemaVersion: 1, data: { population: 'members', count: 5400 } });
      });
    });

    describe('following the log', () => {
      it('delivers existing and new events in order, and reports when it has caught up', async () => {
        const store = await open();
        await store.append('activity-a', [activity('a', 'u1', '2023-01-01')]);
        const seen: number[] = [];
        const sub = store.subscribe({
          after: 0,
          pageSize: 2,
          onEvents: (es) => void seen.push(...es.map((e) => e.position)),
        });
        await sub.caughtUp(1);
        await store.append('activity-b', [activity('b', 'u1', '2023-01-01')]);
        await store.appendBatch([
          { stream: 'activity-c', events: [activity('c', 'u1', '2023-01-01')] },
          { stream: 'activity-d', events: [activity('d', 'u1', '2023-01-01')] },
        ]);
        await sub.caughtUp(4);
        await sub.close();
        expect(seen).toEqual([1, 2, 3, 4]);
        expect(sub.position).toBe(4);
      });
    });

    it('refuses to work once closed, and stops its followers', async () => {
      const store = await open();
      const errors: unknown[] = [];
      const sub = store.subscribe({
        after: 0,
        pollIntervalMs: 10,
        onEvents: () => undefined,
        onError: (e) => void errors.push(e),
      });
      await store.close();
      await expect(store.head()).rejects.toBeInstanceOf(StoreClosedError);
      expect(() => store.subscribe({ after: 0, onEvents: () => undefined })).toThrow(StoreClosedError);
      await new Promise((r) => setTimeout(r, 50));
      await sub.close();
      expect(errors).toEqual([]);
    });

    describe('moving logs between stores', () => {
      it('exports a log and imports it elsewhere with the same ids, versions, positions and recordedAt', async () => {
        const source = await open();
        await source.append('unit-u1', [
          event(
            'unit.registered',
            { unitId: 'u1', name: 'A', level: 'district', parentId: null },
            '2020-01-01',
          ),
        ]);
        await source.append('activity-a', [
          {
            type: 'activity.recorded',
            schemaVersion: 1,
            occurredAt: '2019-05-01',
            data: { activityId: 'a', unitId: 'u1', kind: 'education', turns: 12 },
          },
        ]);
        await source.append(
          'activity-a',
          [event('activity.voided', { activityId: 'a', reason: 'trùng' }, '2019-05-02')],
          {
            expectedVersion: 1,
          },
        );
        const lines: string[] = [];
        for await (const line of exportLog(source, { pageSize: 2 })) lines.push(line);
        const target = await open();
        const progress: number[] = [];
        const done = await importLog(target, lines, {
          batchSize: 2,
          onProgress: (p) => progress.push(p.rows),
        });
        expect(done).toEqual({ rows: 3, head: 3 });
        expect(progress).toEqual([2, 3]);
        const strip = (e: StoredEvent) => ({ ...e, schemaVersion: 0 });
        expect((await target.readAll()).events.map(strip)).toEqual(
          (await source.readAll()).events.map(strip),
        );
        expect(await target.streamVersion('activity-a')).toBe(2);
      });

      it('renumbers positions when importing after existing events, and rejects gaps or reused ids whole', async () => {
        const source = await open();
        await source.append('activity-a', [activity('a', 'u1', '2023-01-01')]);
        await source.append('activity-b', [activity('b', 'u1', '2023-01-02')]);
        const rows = (await source.readAll()).events.map((e) => ({ ...e }));
        const target = await open();
        await target.append('activity-z', [activity('z', 'u1', '2023-01-01')]);
        await expect(target.importRows(rows)).rejects.toMatchObject({
          code: 'invalid_event',
          issues: expect.arrayContaining([
            expect.objectContaining({ path: 'rows.0.position', rule: 'not_contiguous' }),
          ]),
        });
        expect(await target.head()).toBe(1);
        expect(await target.importRows(rows, { remap: true })).toEqual({ head: 3 });
        expect((await target.readStream('activity-b'))[0]!.position).toBe(3);
        await expect(target.importRows([{ ...rows[0]!, position: 4 }])).rejects.toMatchObject({
          code: 'invalid_event',
        });
        expect(await target.head()).toBe(3);
      });
    });

    if (harness.reopen) {
      const reopen = harness.reopen;
      it('keeps every acknowledged event across a reopen', async () => {
        const store = await open();
        for (let i = 0; i < 10; i++)
          await store.append(`activity-p${i}`, [activity(`p${i}`, 'u1', '2023-03-01')]);
        const again = await reopen(store, { clock, newId: sequentialIds(Date.UTC(2024, 5, 1)) });
        opened.push(again);
        expect(await again.head()).toBe(10);
        const r = await again.append('activity-p10', [activity('p10', 'u1', '2023-03-02')]);
        expect(r.positions).toEqual([11]);
      });
    }

    describe('laws (fast-check, seed printed on failure)', () => {
      type Op = { stream: number; count: number; withIds: boolean };
      const op = fc.record({
        stream: fc.nat(4),
        count: fc.integer({ min: 0, max: 3 }),
        withIds: fc.boolean(),
      });

      it('reads back any sequence of valid appends in order, with gap-free positions', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops: Op[]) => {
            const store = await open();
            const model: { stream: string; seq: number }[] = [];
            const versions = new Map<string, number>();
            let seq = 0;
            for (const o of ops) {
              const stream = `unit-s${o.stream}`;
              const events: EventInput[] = Array.from({ length: o.count }, () => {
                seq += 1;
                return event(
                  'unit.renamed',
                  { unitId: `s${o.stream}`, name: `n${seq}` },
                  '2024-01-01',
                  o.withIds ? { id: ids() } : {},
                );
              });
              const expected = versions.get(stream) ?? 0;
              await store.append(stream, events, { expectedVersion: expected });
              versions.set(stream, expected + o.count);
              for (let k = events.length; k > 0; k--) model.push({ stream, seq: seq - k + 1 });
            }
            const all = [];
            for await (const e of store.iterate({ pageSize: 5 })) all.push(e);
            expect(all.map((e) => e.position)).toEqual(model.map((_, i) => i + 1));
            expect(all.map((e) => [e.stream, (e.data as { name: string }).name])).toEqual(
              model.map((m) => [m.stream, `n${m.seq}`]),
            );
            for (const [stream, v] of versions) expect(await store.streamVersion(stream)).toBe(v);
          }),
          fcParams,
        );
      });

      it('never duplicates an event however often a batch is retried', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 10 }),
            async (plan) => {
              const store = await open();
              const batches = plan.map((n, b) =>
                Array.from({ length: n + 1 }, (_, i) =>
                  activity(`b${b}-${i}`, 'u1', '2024-01-01', {}, { id: ids() }),
                ),
              );
              const results = [];
              for (const batch of batches) {
                const writes = batch.map((e) => ({
                  stream: `activity-${(e.data as { activityId: string }).activityId}`,
                  events: [e],
                }));
                const first = await store.appendBatch(writes);
                const retry = await store.appendBatch(writes);
                expect(retry.positions).toEqual(first.positions);
                expect(retry.duplicate).toBe(true);
                results.push(first);
              }
              expect(await store.head()).toBe(batches.flat().length);
            },
          ),
          fcParams,
        );
      });

      it('never lets two writers win with the same expected version', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 2, max: 6 }),
            fc.integer({ min: 1, max: 4 }),
            async (writers, rounds) => {
              const store = await open();
              await store.append('unit-c', [
                event('unit.renamed', { unitId: 'c', name: 'start' }, '2024-01-01'),
              ]);
              for (let r = 0; r < rounds; r++) {
                const version = await store.streamVersion('unit-c');
                const results = await Promise.allSettled(
                  Array.from({ length: writers }, (_, w) =>
                    store.append(
                      'unit-c',
                      [event('unit.renamed', { unitId: 'c', name: `r${r}w${w}` }, '2024-01-01')],
                      {
                        expectedVersion: version,
                      },
                    ),
                  ),
                );
                expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
                expect(await store.streamVersion('unit-c')).toBe(version + 1);
              }
            },
          ),
          { ...fcParams, numRuns: 15 },
        );
      });
    });
  });
};
