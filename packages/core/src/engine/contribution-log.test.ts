import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContributionLog } from './contribution-log.ts';
import { SnapshotReader, SnapshotWriter } from './snapshot-codec.ts';

const fcParams = { seed: 20_261_205, numRuns: 150, verbose: 1 } as const;

type Record = readonly [u: number, day: number, slot: number, position: number];

/** A checkpoint round trip: the log's state written and read back into a fresh log. */
const roundTrip = (log: ContributionLog): ContributionLog => {
  const w = new SnapshotWriter();
  const state = log.exportState(w);
  const r = new SnapshotReader(w.finish(state));
  const restored = new ContributionLog();
  restored.importState(r, r.header as typeof state);
  return restored;
};

/** Records as the fold makes them: positions rising, days near each other, now and then far apart or far back. */
const records = fc.array(
  fc.tuple(
    fc.nat(5),
    fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 19_000, max: 19_060 }) },
      fc.integer({ min: -40_000, max: 2 ** 40 }),
    ),
    fc.oneof({ weight: 8, arbitrary: fc.nat(7) }, fc.nat(2 ** 31)),
    fc.oneof({ weight: 8, arbitrary: fc.nat(300) }, fc.nat(2 ** 45)),
  ),
  { maxLength: 200 },
);

describe('ContributionLog', () => {
  it('answers every unit, days and slots as the list of its records would, before and after a checkpoint and a repack', () => {
    let repacked = 0;
    fc.assert(
      fc.property(
        records,
        fc.nat(200),
        fc.nat(200),
        fc.integer({ min: 19_000, max: 19_060 }),
        fc.nat(30),
        fc.nat(255),
        (steps, cut, repackAt, from, span, maskBits) => {
          let log = new ContributionLog();
          const model: Record[] = [];
          let position = 0;
          steps.forEach(([u, day, slot, gap], i) => {
            // The log hands positions out in order: a gap of 0 is one event touching a unit twice.
            position += gap;
            if (i === cut) log = roundTrip(log);
            // Any free block makes it move every stream into a new pool.
            if (i === repackAt && log.repack(0)) repacked++;
            log.add(u, day, slot, position);
            model.push([u, day, slot, position]);
          });
          const mask = Uint8Array.from({ length: 8 }, (_, s) => (maskBits >> s) & 1);
          const upTo = position / 2;
          for (const answering of [log, roundTrip(log)]) {
            for (let u = 0; u <= 5; u++) {
              const mine = model.filter((m) => m[0] === u);
              const want = (keep: (m: Record) => boolean) => [...new Set(mine.filter(keep).map((m) => m[3]))];
              expect(answering.positions(u, -Infinity, Infinity, null)).toEqual(want(() => true));
              expect(answering.positions(u, from, from + span, mask, upTo)).toEqual(
                want(([, d, s, p]) => d >= from && d <= from + span && mask[s] === 1 && p <= upTo),
              );
            }
          }
        },
      ),
      fcParams,
    );
    expect(repacked).toBeGreaterThan(fcParams.numRuns / 10);
  });

  it('takes 3 to 5 bytes a record in log order, not the 12 of three words', () => {
    const log = new ContributionLog();
    const model: Record[] = [];
    let position = 1_000_000;
    for (let i = 0; i < 10_000; i++) {
      position += 1 + (i % 97);
      const record = [i % 10, 19_000 + Math.floor(i / 30), i % 6, position] as const;
      log.add(...record);
      model.push(record);
    }
    // Ten streams, each starting with its first day and position written whole. Growing in step, they
    // leave the blocks they outgrew free (none is asked for again) until the idle refresh repacks them.
    expect(log.byteLength).toBeGreaterThan(10_000 * 5);
    expect(log.repack(0)).toBe(true);
    expect(log.byteLength).toBeLessThan(10_000 * 5);
    expect(log.repack(0)).toBe(false);
    const w = new SnapshotWriter();
    expect(w.finish(log.exportState(w)).byteLength).toBeLessThan(10_000 * 4 + 1_024);
    expect(log.positions(3, 19_100, 19_100, null)).toEqual(
      model.filter(([u, day]) => u === 3 && day === 19_100).map(([, , , p]) => p),
    );
  });

  it('refuses numbers it cannot write exactly, changing nothing', () => {
    const log = new ContributionLog();
    log.add(0, 19_000, 1, 5);
    expect(() => log.add(0, 19_000.5, 1, 6)).toThrow(/must be whole numbers/);
    expect(() => log.add(0, 19_000, -1, 6)).toThrow(/slot -1/);
    expect(() => log.add(0, 19_000, 1, 2 ** 52)).toThrow(/within ±2\^51/);
    expect(log.positions(0, -Infinity, Infinity, null)).toEqual([5]);
  });

  it('refuses, when its unit is first read or appended to, a checkpoint stream that breaks off inside a record', () => {
    const log = new ContributionLog();
    log.add(2, 19_000, 1, 300);
    log.add(2, 19_001, 1, 301);
    const w = new SnapshotWriter();
    const state = log.exportState(w);
    const whole = new SnapshotReader(w.finish(state));
    const bytes = whole.u8((whole.header as typeof state).data);
    for (const [data, length] of [
      [bytes.slice(0, bytes.length - 1), bytes.length - 1],
      [Uint8Array.from([...bytes.slice(0, bytes.length - 1), 0x80]), bytes.length],
    ] as const) {
      const cut = new SnapshotWriter();
      const broken = {
        owners: cut.blob(Int32Array.from([2])),
        lengths: cut.blob(Int32Array.from([length])),
        data: cut.blob(data),
      };
      const r = new SnapshotReader(cut.finish(broken));
      const restored = new ContributionLog();
      restored.importState(r, r.header as typeof state);
      for (let twice = 0; twice < 2; twice++) {
        expect(() => restored.positions(2, -Infinity, Infinity, null)).toThrow(
          /unit 2's stream breaks off at byte 6/,
        );
        expect(() => restored.add(2, 19_002, 1, 302)).toThrow(/unit 2's stream breaks off at byte 6/);
      }
      expect(restored.positions(1, -Infinity, Infinity, null)).toEqual([]);
    }
  });
});
