import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MonthLog, MonthLogBuilder } from './month-log.ts';

const DAYS = 5;

/** A participation (sign 1) or the taking back of one (sign -1). */
type Op = readonly [day: number, slot: number, person: number, sign: 1 | -1];

/**
 * Histories as a unit log holds them: each taking back follows a participation of the same person, day and
 * slot that is still there.
 */
const history = (slots: number) =>
  fc
    .array(fc.tuple(fc.nat(DAYS - 1), fc.nat(slots - 1), fc.nat(6), fc.boolean()), { maxLength: 80 })
    .map((raw) => {
      const live: string[] = [];
      const ops: Op[] = [];
      for (const [day, slot, person, takeBack] of raw) {
        const key = `${day}/${slot}/${person}`;
        const at = live.indexOf(key);
        if (takeBack && at >= 0) {
          live.splice(at, 1);
          ops.push([day, slot, person, -1]);
        } else {
          live.push(key);
          ops.push([day, slot, person, 1]);
        }
      }
      return ops;
    });

/** Each (day, slot) group's people, sorted, as the ops leave them. */
const model = (ops: readonly Op[], slots: number): number[][] => {
  const groups = Array.from({ length: DAYS * slots }, () => [] as number[]);
  for (const [day, slot, person, sign] of ops) {
    const group = groups[day * slots + slot]!;
    if (sign === 1) group.push(person);
    else group.splice(group.indexOf(person), 1);
  }
  return groups.map((g) => g.sort((a, b) => a - b));
};

const groupsOf = (log: MonthLog, slots: number): number[][] => {
  const out: number[][] = [];
  for (let day = 0; day < DAYS; day++) {
    for (let slot = 0; slot < slots; slot++) {
      const start = log.groupStart(day, slot);
      const end = slot + 1 < log.slots ? log.groupStart(day, slot + 1) : log.groupStart(day + 1, 0);
      out.push(slot < log.slots ? [...log.persons.subarray(start, end)].sort((a, b) => a - b) : []);
    }
  }
  return out;
};

describe('MonthLog', () => {
  it('gathers any history into the groups a replay of it leaves, takings back included', () => {
    fc.assert(
      fc.property(history(3), (ops) => {
        const builder = new MonthLogBuilder();
        builder.begin(DAYS, 3);
        for (const [day, slot, person, sign] of ops) builder.push(day, slot, person, sign);
        const expected = model(ops, 3);
        const log = builder.finish();
        expect(log.length).toBe(expected.flat().length);
        expect(groupsOf(log, 3)).toEqual(expected);
      }),
    );
  });

  it('stays in step with participations added and taken back after it was gathered, in new slots too', () => {
    fc.assert(
      fc.property(history(4), fc.nat(80), fc.integer({ min: 1, max: 4 }), (ops, split, gatheredSlots) => {
        // Gathered while only the first slots had people; the rest arrive one by one.
        const at = Math.min(split, ops.length);
        const before = ops.slice(0, at).filter(([, slot]) => slot < gatheredSlots);
        const builder = new MonthLogBuilder();
        builder.begin(DAYS, gatheredSlots);
        for (const [day, slot, person, sign] of before) builder.push(day, slot, person, sign);
        const log = builder.finish();
        const applied: Op[] = [...before];
        for (const op of ops.slice(at)) {
          const [day, slot, person, sign] = op;
          // Takings back of participations left out of what was gathered are left out too.
          if (sign === -1 && !model(applied, 4)[day * 4 + slot]!.includes(person)) continue;
          log.add(day, slot, person, sign);
          applied.push(op);
        }
        expect(log.length).toBe(model(applied, 4).flat().length);
        expect(groupsOf(log, 4)).toEqual(model(applied, 4));
      }),
    );
  });

  it("adds an activity's participants at once as it would one by one", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(DAYS - 1), fc.nat(3), fc.array(fc.nat(9), { maxLength: 12 })), {
          maxLength: 20,
        }),
        (activities) => {
          const builder = new MonthLogBuilder();
          builder.begin(DAYS, 2);
          const log = builder.finish();
          const applied: Op[] = [];
          for (const [day, slot, people] of activities) {
            log.addAll(day, slot, Int32Array.from(people), people.length);
            for (const person of people) applied.push([day, slot, person, 1]);
          }
          expect(log.length).toBe(applied.length);
          expect(groupsOf(log, 4)).toEqual(model(applied, 4));
        },
      ),
    );
  });

  it('refuses to take back what it does not hold, and changes nothing', () => {
    const builder = new MonthLogBuilder();
    builder.begin(DAYS, 2);
    builder.push(1, 0, 7, 1);
    const log = builder.finish();
    expect(() => log.add(1, 1, 7, -1)).toThrow(/out of step: person 7 .* day 1, slot 1/);
    expect(() => log.add(2, 0, 7, -1)).toThrow(/out of step/);
    expect(groupsOf(log, 2)[2]).toEqual([7]);
    expect(log.length).toBe(1);
    builder.begin(DAYS, 2);
    builder.push(0, 0, 3, -1);
    expect(() => builder.finish()).toThrow(/nothing to take back/);
  });

  it('reads a run of days for every slot as one range', () => {
    const builder = new MonthLogBuilder();
    builder.begin(DAYS, 2);
    for (const [day, slot, person] of [
      [3, 1, 30],
      [0, 0, 1],
      [2, 1, 21],
      [2, 0, 20],
      [0, 1, 2],
    ] as const) {
      builder.push(day, slot, person, 1);
    }
    const log = builder.finish();
    expect([...log.persons.subarray(log.groupStart(0, 0), log.groupStart(3, 0))]).toEqual([1, 2, 20, 21]);
    expect([...log.persons.subarray(log.groupStart(3, 0), log.groupStart(DAYS, 0))]).toEqual([30]);
  });
});
