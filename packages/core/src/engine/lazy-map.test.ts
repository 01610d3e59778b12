import { describe, expect, it } from 'vitest';
import { LazyMap } from './lazy-map.ts';

describe('LazyMap', () => {
  const make = () => {
    let fills = 0;
    const map = new LazyMap<number, string>((set) => {
      fills++;
      set(1, 'a');
      set(2, 'b');
    });
    return { map, fills: () => fills };
  };

  it('fills once, on the first read or write of any kind, and is then the map it was filled as', () => {
    const reads: ((m: Map<number, string>) => unknown)[] = [
      (m) => m.size,
      (m) => m.get(2),
      (m) => m.has(1),
      (m) => m.set(3, 'c').get(3),
      (m) => m.delete(1),
      (m) => [...m],
      (m) => [...m.entries()],
      (m) => [...m.keys()],
      (m) => [...m.values()],
      (m) => {
        const seen: number[] = [];
        m.forEach((_, k) => {
          seen.push(k);
        });
        return seen;
      },
      (m) => new Map(m),
    ];
    const answers = reads.map((read) => {
      const { map, fills } = make();
      expect(fills()).toBe(0);
      const got = read(map);
      expect(fills()).toBe(1);
      read(map);
      expect(fills()).toBe(1);
      return got;
    });
    const plain = () =>
      new Map([
        [1, 'a'],
        [2, 'b'],
      ]);
    expect(answers).toEqual(reads.map((read) => read(plain())));
  });

  it('is empty after clear without filling', () => {
    const { map, fills } = make();
    map.clear();
    expect(map.size).toBe(0);
    expect(fills()).toBe(0);
  });
});
