import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../errors.ts';
import type { EventInput } from '../events/envelope.ts';
import { MemoryEventStore } from '../store/memory-store.ts';
import type { EventStore, StreamWrite } from '../store/types.ts';
import { activity, event, split, unit } from '../testing/builders.ts';
import { sequentialIds } from '../testing/ids.ts';
import { fixedClock } from '../time/civil.ts';
import { type CheckpointStore, Ledger } from './ledger.ts';

const clock = fixedClock('2026-01-01T00:00:00Z');
const newStore = () => new MemoryEventStore({ clock, newId: sequentialIds() });
const base = [
  unit('vn', 'central', null),
  unit('st', 'province', 'vn'),
  unit('d1', 'district', 'st'),
  unit('d2', 'district', 'st'),
];

const open = async (events: EventInput[] = base, store: EventStore = newStore()) => {
  const ledger = await Ledger.open({ store, clock, follow: false });
  if (events.length) await ledger.appendEvents(events);
  return ledger;
};

/** The issues a rejected append reports, after checking that it changed nothing. */
const rejected = async (ledger: Ledger, events: EventInput[]) => {
  const head = await ledger.store.head();
  const error = await ledger.appendEvents(events).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidEventError);
  expect(await ledger.store.head()).toBe(head);
  return (error as InvalidEventError).issues.map((i) => [i.path, i.rule]);
};

describe('ledger: domain rules', () => {
  it('rejects a child under an unknown or dissolved parent, naming the field and the rule', async () => {
    const ledger = await open([...base, event('unit.dissolved', { unitId: 'd2' }, '2024-01-01')]);
    expect(await rejected(ledger, [unit('g', 'grassroots', 'nowhere')])).toEqual([
      ['events.0.data.parentId', 'unknown_unit'],
    ]);
    expect(await rejected(ledger, [unit('g', 'grassroots', 'd2', { on: '2024-02-01' })])).toEqual([
      ['events.0.data.parentId', 'unit_inactive'],
    ]);
    expect(await rejected(ledger, [unit('g', 'grassroots', 'd1', { on: '2019-01-01' })])).toEqual([
      ['events.0.data.parentId', 'unit_inactive'],
    ]);
  });

  it('keeps levels in order, ids unique and the tree free of cycles', async () => {
    const ledger = await open([...base, unit('g', 'grassroots', 'd1')]);
    expect(await rejected(ledger, [unit('x', 'province', 'd1')])).toEqual([
      ['events.0.data.level', 'level_order'],
    ]);
    expect(await rejected(ledger, [unit('d1', 'district', 'st')])).toEqual([
      ['events.0.data.unitId', 'duplicate_unit'],
    ]);
    expect(
      await rejected(ledger, [event('unit.moved', { unitId: 'st', parentId: 'd1' }, '2024-01-01')]),
    ).toEqual([
      ['events.0.data.parentId', 'level_order'],
      ['events.0.data.parentId', 'cycle'],
    ]);
    expect(
      await rejected(ledger, [event('unit.merged', { unitId: 'd1', intoId: 'g' }, '2024-01-01')]),
    ).toEqual(expect.arrayContaining([['events.0.data.intoId', 'cycle']]));
  });

  it('lets a unit end only without active children and without records after its end', async () => {
    const ledger = await open([...base, unit('g', 'grassroots', 'd1'), activity('a', 'd2', '2024-05-01')]);
    expect(await rejected(ledger, [event('unit.dissolved', { unitId: 'd1' }, '2024-01-01')])).toEqual([
      ['events.0.data.unitId', 'has_children'],
    ]);
    expect(
      await rejected(ledger, [event('unit.merged', { unitId: 'd2', intoId: 'd1' }, '2024-03-01')]),
    ).toEqual([['events.0.occurredAt', 'records_after_end']]);
    await ledger.appendEvents([event('unit.merged', { unitId: 'd2', intoId: 'd1' }, '2024-06-01')]);
    expect(await rejected(ledger, [activity('late', 'd2', '2024-07-01')])).toEqual([
      ['events.0.data.unitId', 'unit_inactive'],
    ]);
  });

  it('refuses to leave a unit under a parent whose recorded end it would outlast there', async () => {
    // d2 is merged into d1 in June; the merge passed on the children it knew of. A unit placed under d2
    // afterwards, dated before June, would hang under an ended unit (under itself, had d2 gone into it).
    const ledger = await open([
      ...base,
      unit('g', 'grassroots', 'd1'),
      event('unit.merged', { unitId: 'd2', intoId: 'd1' }, '2024-06-01'),
    ]);
    expect(await rejected(ledger, [unit('late', 'grassroots', 'd2', { on: '2024-01-01' })])).toEqual([
      ['events.0.data.parentId', 'parent_ends'],
    ]);
    expect(
      await rejected(ledger, [event('unit.moved', { unitId: 'g', parentId: 'd2' }, '2024-02-01')]),
    ).toEqual([['events.0.data.parentId', 'parent_ends']]);
    // Where the unit went before the end, recorded in the same batch, makes both placements whole.
    await ledger.appendEvents([
      unit('late', 'grassroots', 'd2', { on: '2024-01-01' }),
      event('unit.moved', { unitId: 'late', parentId: 'd1' }, '2024-05-01'),
      event('unit.moved', { unitId: 'g', parentId: 'd2' }, '2024-02-01'),
      event('unit.moved', { unitId: 'g', parentId: 'd1' }, '2024-03-01'),
    ]);
    expect(ledger.engine.hierarchy.unit(ledger.engine.hierarchy.indexOf('late')!).parents.length).toBe(2);
  });

  it('refuses to end a unit before what the log already says happens under it or into it', async () => {
    const ledger = await open([
      ...base,
      unit('g', 'grassroots', 'd2'),
      unit('h', 'grassroots', 'd2'),
      event('unit.merged', { unitId: 'h', intoId: 'g' }, '2024-09-01'),
      event('unit.moved', { unitId: 'g', parentId: 'd1' }, '2024-08-01'),
    ]);
    // g receives h in September: ending g in June would leave that merge pointing at an ended unit (and
    // merging g into h, a cycle in today's tree).
    expect(
      await rejected(ledger, [event('unit.merged', { unitId: 'g', intoId: 'h' }, '2024-06-01')]),
    ).toEqual([['events.0.occurredAt', 'successor_after_end']]);
    // d1 takes g in August: it cannot have ended in July.
    expect(
      await rejected(ledger, [event('unit.merged', { unitId: 'd1', intoId: 'd2' }, '2024-07-01')]),
    ).toEqual([['events.0.occurredAt', 'placements_after_end']]);
  });

  it('requires split successors outside the unit and children passed to a successor they may sit under', async () => {
    const ledger = await open([...base, unit('g', 'grassroots', 'd1')]);
    expect(await rejected(ledger, [split('d1', { g: 1, d2: 1 }, '2024-01-01', 'd2')])).toEqual([
      ['events.0.data.into.0.unitId', 'cycle'],
    ]);
  });

  it('checks directives, targets, adoptions, bodies and roles against what exists', async () => {
    const ledger = await open([
      ...base,
      event(
        'directive.issued',
        { directiveId: 'kh-1', number: '1-KH', kind: 'plan', title: 'Kế hoạch', issuer: { unitId: 'st' } },
        '2024-01-01',
      ),
      event(
        'body.constituted',
        { bodyId: 'bch', unitId: 'd1', kind: 'executive-committee', name: 'BCH' },
        '2024-01-01',
      ),
      event(
        'role.assigned',
        { bodyId: 'bch', personId: 'p1', role: 'secretary', reason: 'elected' },
        '2024-01-02',
      ),
    ]);
    expect(
      await rejected(ledger, [
        event(
          'directive.issued',
          {
            directiveId: 'kh-2',
            number: '2-KH',
            kind: 'plan',
            title: 'x',
            issuer: { unitId: 'st' },
            implements: ['kh-9'],
            targets: [
              {
                targetId: 't1',
                kind: 'coverage',
                appliesTo: { units: ['ghost'] },
                predicate: { predicate: 'target-met', targetId: 'nope' },
                min: 1,
              },
            ],
          },
          '2024-02-01',
        ),
      ]),
    ).toEqual([
      ['events.0.data.implements.0', 'unknown_directive'],
      ['events.0.data.targets.0.appliesTo.units.0', 'unknown_unit'],
      ['events.0.data.targets.0.predicate.targetId', 'unknown_target'],
    ]);
    await ledger.appendEvents([
      event('directive.adopted', { directiveId: 'kh-1', unitId: 'd1' }, '2024-02-01'),
    ]);
    expect(
      await rejected(ledger, [
        event('directive.adopted', { directiveId: 'kh-1', unitId: 'd1' }, '2024-03-01'),
      ]),
    ).toEqual([['events.0.data.unitId', 'already_adopted']]);
    expect(
      await rejected(ledger, [
        event(
          'role.assigned',
          { bodyId: 'bch', personId: 'p1', role: 'secretary', reason: 'elected' },
          '2024-03-01',
        ),
      ]),
    ).toEqual([['events.0.data.personId', 'already_holds']]);
    expect(
      await rejected(ledger, [
        event(
          'role.vacated',
          { bodyId: 'bch', personId: 'p2', role: 'member', reason: 'withdrew' },
          '2024-03-01',
        ),
      ]),
    ).toEqual([['events.0.data.personId', 'not_holding']]);
    expect(
      await rejected(ledger, [
        event(
          'role.assigned',
          { bodyId: 'nope', personId: 'p1', role: 'member', reason: 'elected' },
          '2024-03-01',
        ),
      ]),
    ).toEqual([['events.0.data.bodyId', 'unknown_body']]);
  });

  it('accepts a batch whose later events refer to units it registers itself, and rejects it whole otherwise', async () => {
    const ledger = await open();
    await ledger.appendEvents([
      unit('g1', 'grassroots', 'd1', { on: '2024-01-01' }),
      unit('b1', 'branch', 'g1', { on: '2024-01-02' }),
      activity('a1', 'b1', '2024-01-03'),
    ]);
    expect(ledger.engine.hierarchy.indexOf('b1')).toBeDefined();
    const issues = await rejected(ledger, [
      unit('g2', 'grassroots', 'd1', { on: '2024-01-01' }),
      activity('a2', 'g2', '2023-12-31'),
      activity('a3', 'g2', '2024-02-01'),
    ]);
    expect(issues).toEqual([['events.1.data.unitId', 'unit_inactive']]);
    expect(ledger.engine.hierarchy.indexOf('g2')).toBeUndefined();
  });

  it('appends events in the order given, a stream written more than once in a batch where its events are apart', async () => {
    const ledger = await open();
    const head = await ledger.store.head();
    const events = [
      unit('g3', 'grassroots', 'd1', { on: '2024-01-01' }),
      unit('g4', 'grassroots', 'd2', { on: '2024-01-01' }),
      event('unit.moved', { unitId: 'g3', parentId: 'd2' }, '2024-03-01'),
      event('unit.renamed', { unitId: 'g4', name: 'Chi đoàn 4' }, '2024-03-01'),
    ];
    const result = await ledger.appendEvents(events);
    // Positions in submission order; a write per run of one stream, each continuing its version.
    expect(result.positions).toEqual([head + 1, head + 2, head + 3, head + 4]);
    expect(result.streams.map((s) => [s.stream, s.positions, s.version])).toEqual([
      ['unit-g3', [head + 1], 1],
      ['unit-g4', [head + 2], 1],
      ['unit-g3', [head + 3], 2],
      ['unit-g4', [head + 4], 2],
    ]);
    const read = await ledger.store.readAll({ after: head });
    expect(read.events.map((e) => [e.type, e.stream, e.version])).toEqual([
      ['unit.registered', 'unit-g3', 1],
      ['unit.registered', 'unit-g4', 1],
      ['unit.moved', 'unit-g3', 2],
      ['unit.renamed', 'unit-g4', 2],
    ]);
    // A move under a unit registered earlier in the same batch, after the moved unit's own registration.
    await ledger.appendEvents([
      unit('g5', 'grassroots', 'd1', { on: '2024-01-01' }),
      unit('d3', 'district', 'st', { on: '2024-01-01' }),
      event('unit.moved', { unitId: 'g5', parentId: 'd3' }, '2024-03-01'),
    ]);
    const h = ledger.engine.hierarchy;
    expect(h.chainAt(h.indexOf('g5')!, 20_000).map((n) => h.unit(n).id)).toEqual(['d3', 'st', 'vn']);
    // An activity recorded, corrected twice around another stream's event: each correction's write is
    // guarded by the version the ones before it leave.
    await ledger.appendEvents([
      activity('a9', 'g5', '2024-04-01', { quantity: 3 }),
      event('activity.corrected', { activityId: 'a9', set: { quantity: 4 }, reason: 'x' }, '2024-04-02'),
      event('unit.renamed', { unitId: 'g5', name: 'Chi đoàn 5' }, '2024-04-02'),
      event('activity.corrected', { activityId: 'a9', set: { quantity: 5 }, reason: 'y' }, '2024-04-03'),
    ]);
    await ledger.appendEvents([
      event('activity.corrected', { activityId: 'a9', set: { quantity: 6 }, reason: 'z' }, '2024-04-04'),
      event('unit.renamed', { unitId: 'g5', name: 'Chi đoàn Năm' }, '2024-04-04'),
      event('activity.voided', { activityId: 'a9', reason: 'trùng' }, '2024-04-05'),
    ]);
    expect((await ledger.store.readStream('activity-a9')).map((e) => [e.type, e.version])).toEqual([
      ['activity.recorded', 1],
      ['activity.corrected', 2],
      ['activity.corrected', 3],
      ['activity.corrected', 4],
      ['activity.voided', 5],
    ]);
    // An issue names the event as submitted, whichever write it went into; nothing of the batch lands.
    const before = await ledger.store.head();
    const issues = await rejected(ledger, [
      unit('g6', 'grassroots', 'd1', { on: '2024-01-01' }),
      unit('g7', 'grassroots', 'd1', { on: '2024-01-01' }),
      event('unit.moved', { unitId: 'g6', parentId: 'nowhere' }, '2024-03-01'),
    ]);
    expect(issues).toEqual([['events.2.data.parentId', 'unknown_unit']]);
    expect(await ledger.store.head()).toBe(before);
  });

  it('rejects a second activity with an id already recorded', async () => {
    const ledger = await open([...base, activity('a', 'd1', '2024-01-01')]);
    expect(await rejected(ledger, [activity('a', 'd1', '2024-01-02')])).toEqual([
      ['events.0.data.activityId', 'duplicate_activity'],
    ]);
  });
});

describe('ledger: corrections', () => {
  it('fills in the facts a correction replaces, and treats a retry of it as a duplicate', async () => {
    const ledger = await open([...base, activity('a', 'd1', '2024-01-01', { quantity: 10 })]);
    const correction = event(
      'activity.corrected',
      { activityId: 'a', set: { quantity: 12 }, reason: 'đếm lại' },
      '2024-01-05',
      {
        id: '01J0000000000000000000000A',
      },
    );
    const first = await ledger.appendEvents([correction]);
    const [stored] = await ledger.store.readStream('activity-a', { fromVersion: 2 });
    expect(stored!.data).toMatchObject({
      previous: { quantity: 10, unitId: 'd1', kind: 'article' },
      set: { quantity: 12 },
    });
    const again = await ledger.appendEvents([correction]);
    expect(again).toMatchObject({ duplicate: true, positions: first.positions });
  });

  it('rejects corrections of unknown or voided activities, and a stale previous', async () => {
    const ledger = await open([
      ...base,
      activity('a', 'd1', '2024-01-01', { quantity: 10 }),
      activity('b', 'd1', '2024-01-01'),
    ]);
    await ledger.appendEvents([event('activity.voided', { activityId: 'b', reason: 'trùng' }, '2024-01-02')]);
    expect(
      await rejected(ledger, [event('activity.voided', { activityId: 'zz', reason: 'x' }, '2024-01-02')]),
    ).toEqual([['events.0.data.activityId', 'unknown_activity']]);
    expect(
      await rejected(ledger, [
        event('activity.corrected', { activityId: 'b', set: { quantity: 2 }, reason: 'x' }, '2024-01-03'),
      ]),
    ).toEqual([['events.0.data.activityId', 'voided']]);
    const stale = {
      unitId: 'd1',
      kind: 'article' as const,
      channel: null,
      quantity: 99,
      participants: [],
      occurredAt: '2024-01-01',
    };
    expect(
      await rejected(ledger, [
        event(
          'activity.corrected',
          { activityId: 'a', set: { quantity: 2 }, previous: stale, reason: 'x' },
          '2024-01-03',
        ),
      ]),
    ).toEqual([['events.0.data.previous', 'stale_previous']]);
  });
});

describe('ledger: concurrency', () => {
  /** A store that lets another writer in once, between the ledger's check and its append. */
  const racing = (inner: EventStore, meddle: () => Promise<void>): EventStore => {
    let armed = true;
    return new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === 'appendBatch') {
          return async (writes: readonly StreamWrite[]) => {
            if (armed) {
              armed = false;
              await meddle();
            }
            return target.appendBatch(writes);
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };

  it('re-checks a batch when another writer changed what it relied on, and rejects it on the new state', async () => {
    const store = newStore();
    await (await open(base, store)).close();
    const other = await Ledger.open({ store, clock, follow: false });
    const ledger = await Ledger.open({
      store: racing(store, async () => {
        await other.appendEvents([event('unit.dissolved', { unitId: 'd2' }, '2024-01-01')]);
      }),
      clock,
      follow: false,
    });
    const error = await ledger.appendEvents([activity('a', 'd2', '2024-06-01')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).issues.map((i) => [i.path, i.rule])).toEqual([
      ['events.0.data.unitId', 'unit_inactive'],
    ]);
    expect(await store.streamVersion('activity-a')).toBe(0);
  });

  it('guards the streams a check read, so a concurrent change it depended on cannot be overtaken', async () => {
    const store = newStore();
    const ledger = await open(base, store);
    const writes: StreamWrite[][] = [];
    const spy = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'appendBatch')
          return (w: readonly StreamWrite[]) => {
            writes.push([...w]);
            return target.appendBatch(w);
          };
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const guarded = await Ledger.open({ store: spy, clock, follow: false });
    await guarded.appendEvents([activity('a', 'd1', '2024-01-01')]);
    expect(writes[0]).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ stream: 'activity-a', expectedVersion: 'no-stream' }),
        { stream: 'unit-d1', events: [], expectedVersion: 1 },
      ]),
    );
    await ledger.close();
  });
});

describe('ledger: reading the past and restarting', () => {
  it('answers as the log stood at a position or an instant', async () => {
    let now = new Date('2024-03-01T00:00:00Z');
    const moving = { now: () => new Date(now) };
    const store = new MemoryEventStore({ clock: moving, newId: sequentialIds() });
    const ledger = await Ledger.open({ store, clock, follow: false });
    await ledger.appendEvents(base);
    await ledger.appendEvents([activity('a', 'd1', '2024-01-01', { quantity: 5 })]);
    now = new Date('2024-04-01T00:00:00Z');
    await ledger.appendEvents([activity('b', 'd1', '2024-01-02', { quantity: 7 })]);
    const q = { indicator: 'turns', unit: 'st', period: '2024' };
    expect((await ledger.indicator(q)).value).toBe(12);
    expect((await ledger.indicator({ ...q, knownAt: 5 })).value).toBe(5);
    expect((await ledger.indicator({ ...q, knownAt: '2024-03-15T00:00:00Z' })).value).toBe(5);
    await expect(ledger.indicator({ ...q, knownAt: '2024-02-01T00:00:00Z' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('restores a checkpoint that fits the log and folds only the tail; ignores one that does not', async () => {
    const saved = new Map<string, { position: number; state: Uint8Array }>();
    const checkpoints: CheckpointStore = {
      // Like a real store: each load hands out bytes of its own.
      loadCheckpoint: async (name) => {
        const cp = saved.get(name);
        return cp && { position: cp.position, state: cp.state.slice() };
      },
      saveCheckpoint: async (name, position, state) => void saved.set(name, { position, state }),
    };
    const store = newStore();
    const first = await Ledger.open({ store, clock, follow: false, checkpoints });
    expect(first.checkpointOutcome).toEqual({ used: false, reason: 'no checkpoint saved yet' });
    await first.appendEvents([...base, activity('a', 'd1', '2024-01-01', { quantity: 5 })]);
    expect(await first.checkpoint()).toMatchObject({ position: 5 });
    await first.appendEvents([activity('b', 'd1', '2024-01-02', { quantity: 7 })]);

    const second = await Ledger.open({ store, clock, follow: false, checkpoints });
    expect(second.checkpointOutcome).toMatchObject({ used: true, position: 5 });
    expect((await second.indicator({ indicator: 'turns', unit: 'st', period: '2024' })).value).toBe(12);

    const past = await second.indicator({ indicator: 'turns', unit: 'st', period: '2024', knownAt: 6 });
    expect(past).toMatchObject({ value: 12, position: 6 });
    expect(
      (await second.indicator({ indicator: 'turns', unit: 'st', period: '2024', knownAt: 5 })).value,
    ).toBe(5);
    expect(
      (await second.indicator({ indicator: 'turns', unit: 'st', period: '2024', knownAt: 4 })).value,
    ).toBe(0);

    const elsewhere = new MemoryEventStore({ clock, newId: sequentialIds(Date.UTC(2025, 0, 1), 9) });
    await elsewhere.appendBatch([{ stream: 'unit-x', events: [unit('x', 'central', null)] }]);
    for (let i = 0; i < 5; i++)
      await elsewhere.append(`activity-x${i}`, [activity(`x${i}`, 'x', '2024-01-01')]);
    const third = await Ledger.open({ store: elsewhere, clock, follow: false, checkpoints });
    expect(third.checkpointOutcome).toEqual({
      used: false,
      reason: expect.stringContaining('not the one it was taken after'),
    });
    expect(third.engine.hierarchy.indexOf('x')).toBeDefined();

    // A store that tells a checkpoint's position without its bytes is not asked for them by a knownAt
    // before it (at national scale they are gigabytes the replay could not use).
    let loads = 0;
    const peeking: CheckpointStore = {
      ...checkpoints,
      loadCheckpoint: async (name) => {
        loads++;
        return checkpoints.loadCheckpoint(name);
      },
      checkpointPosition: async (name) => saved.get(name)?.position,
    };
    const fifth = await Ledger.open({ store, clock, follow: false, checkpoints: peeking });
    expect(fifth.checkpointOutcome).toMatchObject({ used: true, position: 5 });
    loads = 0;
    expect(
      (await fifth.indicator({ indicator: 'turns', unit: 'st', period: '2024', knownAt: 4 })).value,
    ).toBe(0);
    expect(loads).toBe(0);
    await fifth.appendEvents([activity('c', 'd1', '2024-01-03', { quantity: 1 })]);
    expect(
      (await fifth.indicator({ indicator: 'turns', unit: 'st', period: '2024', knownAt: 6 })).value,
    ).toBe(12);
    expect(loads).toBe(1);

    // A checkpoint the store cannot read back (a part missing) is refolded from, not a failed open.
    const unreadable: CheckpointStore = {
      ...checkpoints,
      loadCheckpoint: async () => {
        throw new Error("checkpoint 'projections' is corrupt: expected parts 0 to 2, found 2");
      },
    };
    const fourth = await Ledger.open({ store, clock, follow: false, checkpoints: unreadable });
    expect(fourth.checkpointOutcome).toEqual({
      used: false,
      reason: expect.stringContaining('checkpoint unreadable: checkpoint'),
    });
    expect(
      (await fourth.indicator({ indicator: 'turns', unit: 'st', period: '2024', knownAt: 5 })).value,
    ).toBe(5);
  });
});
