import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Adoption, Adoptions } from './adoptions.ts';

const fcParams = { seed: 20_261_206, numRuns: 200, verbose: 1 } as const;

const adoption: fc.Arbitrary<Adoption> = fc.record({
  day: fc.integer({ min: 18_000, max: 21_000 }),
  plan: fc.option(fc.string({ maxLength: 6 }), { nil: undefined }),
});
const sets = fc.array(fc.tuple(fc.nat(60), adoption), { maxLength: 120 });

/** Everything a reader can ask, for units 0 to 64. */
const read = (a: Adoptions | Map<number, Adoption>) => ({
  size: a.size,
  entries: [...a.entries()],
  keys: [...a.keys()],
  got: Array.from({ length: 65 }, (_, u) => [a.has(u), a.get(u)]),
});

describe('Adoptions', () => {
  it('answers as a Map of adoptions does, through growth, updates in place and a checkpoint’s columns', () => {
    fc.assert(
      fc.property(sets, sets, fc.boolean(), (first, then, askFirst) => {
        const model = new Map<number, Adoption>();
        const adoptions = new Adoptions();
        for (const [u, a] of first) {
          model.set(u, a);
          adoptions.set(u, a);
        }
        expect(read(adoptions)).toEqual(read(model));
        // As a checkpoint keeps them: columns, and plans decoded by row when asked for.
        const rows = [...model];
        const decoded: number[] = [];
        const restored = Adoptions.restored(
          Int32Array.from(rows, ([u]) => u),
          Int32Array.from(rows, ([, a]) => a.day),
          (row) => {
            decoded.push(row);
            return rows[row]![1].plan;
          },
        );
        if (askFirst) expect(read(restored)).toEqual(read(model));
        else expect(decoded).toEqual([]);
        for (const [u, a] of then) {
          model.set(u, a);
          restored.set(u, a);
        }
        expect(read(restored)).toEqual(read(model));
      }),
      fcParams,
    );
  });

  it('refuses a checkpoint that lists a unit twice, when first asked', () => {
    const twice = Adoptions.restored(Int32Array.of(3, 4, 3), Int32Array.of(1, 2, 3), () => undefined);
    expect(twice.size).toBe(3);
    expect(() => twice.has(4)).toThrow('Adoptions: unit 3 adopted twice');
    expect(() => Adoptions.restored(Int32Array.of(1), new Int32Array(0), () => undefined)).toThrow(
      'units and days differ in length',
    );
  });
});
