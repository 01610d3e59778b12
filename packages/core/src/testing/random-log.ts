import { InvalidEventError } from '../errors.ts';
import type { ActivityKind } from '../events/activities.ts';
import type { EventInput } from '../events/envelope.ts';
import type { Level } from '../events/organisation.ts';
import { Ledger } from '../ledger/ledger.ts';
import { MemoryEventStore } from '../store/memory-store.ts';
import { dateFromDay, dayFromDate, fixedClock } from '../time/civil.ts';
import { event } from './builders.ts';
import { sequentialIds } from './ids.ts';

/** One random intention: an op code and three numbers the op reads as choices. */
export type Intent = readonly [op: number, a: number, b: number, c: number];

const LEVELS: Level[] = ['central', 'province', 'district', 'grassroots', 'branch'];
const KINDS: ActivityKind[] = ['article', 'good-news', 'content-report'];
const CHANNELS = [undefined, 'fanpage', 'tiktok'];
const PEOPLE = Array.from({ length: 12 }, (_, i) => `p${i}`);

/** Days that matter for time: around New Year (UTC+7 midnight), ISO week 53 of 2020, 29 February 2024. */
const HOT_DAYS = [
  '2020-12-27',
  '2020-12-31',
  '2021-01-01',
  '2021-01-03',
  '2024-02-28',
  '2024-02-29',
  '2024-03-01',
  '2024-12-31',
  '2025-01-01',
];
const FIRST = dayFromDate('2020-06-01');
/** Activity stops at the end of March 2026, so units can end (merge, split, dissolve) in the quarter after. */
const LAST = dayFromDate('2026-03-31');
const endDayOf = (n: number) => dateFromDay(dayFromDate('2026-04-01') + (n % 90));

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length]!;

/** Turns a number into a date: often a hot day, otherwise anywhere in 2020-06..2026-06. */
const dayOf = (n: number) => (n % 3 === 0 ? dayFromDate(pick(HOT_DAYS, n)) : FIRST + (n % (LAST - FIRST)));

/** An occurredAt: a date, or an instant near Vietnamese midnight so days are decided by UTC+7. */
const whenOf = (day: number, n: number) =>
  n % 4 === 0
    ? `${dateFromDay(day - 1)}T17:${String(n % 60).padStart(2, '0')}:00Z`
    : n % 4 === 1
      ? `${dateFromDay(day)}T16:59:59Z`
      : dateFromDay(day);

/**
 * Builds a valid log from random intentions by submitting each as an event through a ledger and keeping
 * what the domain rules accept. Returns the store, the ledger (live engine) and how many were rejected.
 */
export const randomLog = async (intents: readonly Intent[]) => {
  const store = new MemoryEventStore({ clock: fixedClock('2026-07-01T00:00:00Z'), newId: sequentialIds() });
  const ledger = await Ledger.open({ store, clock: fixedClock('2026-07-01T00:00:00Z'), follow: false });
  const units: { id: string; level: number }[] = [];
  const activities: string[] = [];
  let rejected = 0;
  const reasons = new Map<string, number>();
  const submit = async (e: EventInput) => {
    try {
      await ledger.appendEvents([e]);
      return true;
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      rejected += 1;
      const key = `${e.type}:${error.issues[0]?.rule}`;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
      return false;
    }
  };
  await submit(
    event(
      'unit.registered',
      { unitId: 'root', name: 'Trung ương', level: 'central', parentId: null },
      '2020-01-01',
    ),
  );
  units.push({ id: 'root', level: 0 });
  let n = 0;
  for (const [op, a, b, c] of intents) {
    n += 1;
    const day = dayOf(b);
    const unit = pick(units, a);
    switch (op % 12) {
      case 0:
      case 1: {
        const parent = pick(units, a);
        if (parent.level >= LEVELS.length - 1) break;
        const id = `u${n}`;
        const level = parent.level + 1 + (c % 2 === 0 || parent.level + 2 >= LEVELS.length ? 0 : 1);
        if (
          await submit(
            event(
              'unit.registered',
              { unitId: id, name: `Đơn vị ${n}`, level: LEVELS[level]!, parentId: parent.id },
              dateFromDay(Math.min(day, dayFromDate('2023-01-01'))),
            ),
          )
        ) {
          units.push({ id, level });
        }
        break;
      }
      case 2:
      case 3:
      case 4:
      case 5: {
        const quantity = c % 40;
        const participants = PEOPLE.filter((_, i) => (c >> i) % 3 === 0).slice(0, quantity);
        const id = `a${n}`;
        const channel = pick(CHANNELS, b + c);
        if (
          await submit(
            event(
              'activity.recorded',
              {
                activityId: id,
                unitId: unit.id,
                kind: pick(KINDS, c),
                quantity,
                ...(channel ? { channel } : {}),
                ...(participants.length ? { participants } : {}),
              },
              whenOf(day, c),
            ),
          )
        ) {
          activities.push(id);
        }
        break;
      }
      case 6: {
        if (activities.length === 0) break;
        const target = pick(activities, a);
        const set =
          c % 3 === 0
            ? { quantity: c % 25 }
            : c % 3 === 1
              ? { unitId: pick(units, c).id }
              : { occurredAt: whenOf(dayOf(c), b) };
        await submit(
          event('activity.corrected', { activityId: target, set, reason: 'sửa số liệu' }, '2026-06-01'),
        );
        break;
      }
      case 7: {
        if (activities.length === 0) break;
        await submit(
          event('activity.voided', { activityId: pick(activities, a), reason: 'trùng' }, '2026-06-01'),
        );
        break;
      }
      case 8: {
        const above = units.filter((u) => u.level < unit.level);
        if (above.length === 0) break;
        const parent = pick(above, c);
        await submit(event('unit.moved', { unitId: unit.id, parentId: parent.id }, dateFromDay(day)));
        break;
      }
      case 9: {
        const into = pick(units.filter((u) => u.level === unit.level && u.id !== unit.id).concat(units), c);
        await submit(event('unit.merged', { unitId: unit.id, intoId: into.id }, endDayOf(b)));
        break;
      }
      case 10: {
        const peersOf = (x: { id: string; level: number }) =>
          units.filter((u) => u.level === x.level && u.id !== x.id);
        const splittable = units.filter((u) => peersOf(u).length >= 2);
        if (splittable.length === 0) break;
        const target = pick(splittable, a);
        const peers = peersOf(target);
        const first = pick(peers, b);
        const second = pick(
          peers.filter((u) => u.id !== first.id),
          c,
        );
        await submit(
          event(
            'unit.split',
            {
              unitId: target.id,
              into: [
                { unitId: first.id, weight: 1 + (c % 3) },
                { unitId: second.id, weight: 1 + (b % 4) },
              ],
              historyTo: first.id,
            },
            endDayOf(b),
          ),
        );
        break;
      }
      case 11: {
        if (c % 2 === 0) await submit(event('unit.dissolved', { unitId: unit.id }, endDayOf(b)));
        else
          await submit(
            event(
              'headcount.reported',
              { unitId: unit.id, population: 'members', count: c % 500 },
              dateFromDay(day),
            ),
          );
        break;
      }
    }
  }
  return { store, ledger, rejected, reasons, unitIds: units.map((u) => u.id) };
};
