import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MonthTally } from './month-tally.ts';

const fcParams = { seed: 20_261_205, numRuns: 200, verbose: 1 } as const;

describe('MonthTally', () => {
  it('keeps a count and a cell per (node, month), as a Map would, through a checkpoint', () => {
    const op = fc.tuple(
      fc.nat(40),
      fc.integer({ min: -30, max: 30 }),
      fc.integer({ min: -3, max: 3 }),
      fc.boolean(),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const tally = new MonthTally();
        const model = new Map<string, { count: number; cell: number }>();
        ops.forEach(([node, month, delta, withCell], i) => {
          const r = tally.record(node, month);
          expect(tally.find(node, month)).toBe(r);
          const m = model.get(`${node}:${month}`) ?? { count: 0, cell: -1 };
          m.count += delta;
          expect(tally.addCount(r, delta)).toBe(m.count);
          if (withCell) {
            tally.setCell(r, i);
            m.cell = i;
          }
          model.set(`${node}:${month}`, m);
        });
        const restored = new MonthTally();
        restored.importState(tally.exportState(), ops.length);
        for (const t of [tally, restored]) {
          expect(t.size).toBe(model.size);
          const cells = new Map<string, number>();
          t.forEachCell((node, month, cell) => cells.set(`${node}:${month}`, cell));
          expect(cells).toEqual(
            new Map([...model].filter(([, m]) => m.cell >= 0).map(([k, m]) => [k, m.cell])),
          );
          for (const [k, m] of model) {
            const [node, month] = k.split(':').map(Number) as [number, number];
            const r = t.find(node, month);
            expect([t.count(r), t.cell(r)]).toEqual([m.count, m.cell]);
          }
        }
        expect(restored.find(99, 0)).toBe(-1);
        // The restored tally keeps growing past the arrays it took over.
        const r = restored.record(99, 0);
        expect([restored.count(r), restored.cell(r), restored.size]).toEqual([0, -1, model.size + 1]);
      }),
      fcParams,
    );
  });

  it('refuses a checkpoint whose arrays disagree or name a cell that does not exist', () => {
    const tally = new MonthTally();
    tally.setCell(tally.record(1, 5), 3);
    tally.record(2, 5);
    const state = tally.exportState();
    expect(() => new MonthTally().importState(state, 3)).toThrow('record 0 names cell 3 of 3');
    expect(() => new MonthTally().importState({ ...state, cells: state.cells.subarray(0, 1) }, 4)).toThrow(
      'arrays differ in length',
    );
    expect(() => new MonthTally().importState({ ...state, cells: Int32Array.of(3, -2) }, 4)).toThrow(
      'record 1 names cell -2 of 4',
    );
    new MonthTally().importState(state, 4);
  });
});
