import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CellIndex } from './cell-index.ts';

const fcParams = { seed: 20_261_123, numRuns: 100, verbose: 1 } as const;

describe('CellIndex', () => {
  it('maps (node, key) pairs like a Map, across growth and a checkpoint round trip', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.nat(5_000), fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 })), {
          maxLength: 400,
          selector: ([node, key]) => `${node}:${key >>> 0}`,
        }),
        (pairs) => {
          const index = new CellIndex();
          const model = new Map<string, number>();
          pairs.forEach(([node, key], cell) => {
            index.set(node, key, cell);
            model.set(`${node}:${key >>> 0}`, cell);
          });
          const restored = new CellIndex();
          restored.importState(index.exportState(), pairs.length);
          for (const i of [index, restored]) {
            expect(i.size).toBe(model.size);
            pairs.forEach(([node, key], cell) => {
              expect(i.get(node, key)).toBe(cell);
            });
            expect(i.get(5_001, 0)).toBe(-1);
            const seen = new Map<string, number>();
            i.forEach((node, key, cell) => {
              seen.set(`${node}:${key}`, cell);
            });
            expect(seen).toEqual(model);
          }
        },
      ),
      fcParams,
    );
  });

  it('refuses a table of the wrong shape or naming a cell the arena does not have', () => {
    const index = new CellIndex();
    index.set(1, 2, 7);
    const table = index.exportState();
    expect(() => new CellIndex().importState(table, 7)).toThrow(/names cell 7 of 7/);
    expect(() => new CellIndex().importState(table.subarray(3), 8)).toThrow(/is not a table/);
    const ok = new CellIndex();
    ok.importState(table, 8);
    expect(ok.get(1, 2)).toBe(7);
  });
});
