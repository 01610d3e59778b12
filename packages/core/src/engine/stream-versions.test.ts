import { describe, expect, it } from 'vitest';
import { dayFromDate } from '../time/civil.ts';
import { Hierarchy } from './hierarchy.ts';
import { StreamVersions } from './stream-versions.ts';

const since = dayFromDate('2024-01-01');

describe('StreamVersions', () => {
  it('keeps units’ streams by unit index and the others by name, and lists them all', () => {
    const h = new Hierarchy();
    const versions = new StreamVersions(h);
    const p = h.register('p', 'province', -1, since, 'P');
    versions.set('unit-p', 1);
    versions.set('directive-d1', 3);
    // A unit's stream whose unit is not in the tree (its founding refused) is kept by name …
    versions.set('unit-late', 1);
    expect(versions.get('unit-late')).toBe(1);
    h.register('late', 'district', p, since, 'Late');
    // … until the unit is there: then by index, and no longer by name.
    versions.set('unit-late', 2);
    versions.set('unit-p', 4);
    versions.set('body-b', 1);
    expect(versions.get('unit-p')).toBe(4);
    expect(versions.get('unit-late')).toBe(2);
    expect(versions.get('unit-nobody')).toBeUndefined();
    expect(versions.get('directive-d1')).toBe(3);
    expect(versions.size).toBe(4);
    expect([...versions.entries()]).toEqual([
      ['unit-p', 4],
      ['unit-late', 2],
      ['directive-d1', 3],
      ['body-b', 1],
    ]);
  });

  it('round-trips a checkpoint’s state, decoding the other streams’ names only when first asked', () => {
    const h = new Hierarchy();
    const versions = new StreamVersions(h);
    for (let i = 0; i < 100; i++) {
      h.register(`u${i}`, 'grassroots', -1, since, `U${i}`);
      if (i % 3 === 0) versions.set(`unit-u${i}`, i + 1);
    }
    versions.set('group-g', 7);
    const state = versions.exportState();
    const restored = new StreamVersions(h);
    let decoded = 0;
    restored.importState(state.units, state.versions, (i) => {
      decoded++;
      return state.names[i]!;
    });
    expect(restored.get('unit-u99')).toBe(100);
    expect(decoded).toBe(0);
    expect([...restored.entries()]).toEqual([...versions.entries()]);
    expect(decoded).toBe(1);
    // Written after the restore, past the array it took over, as before it.
    h.register('u100', 'grassroots', -1, since, 'U100');
    restored.set('unit-u100', 1);
    restored.set('unit-u0', 9);
    expect(restored.get('unit-u100')).toBe(1);
    expect(restored.get('unit-u0')).toBe(9);
    expect(restored.size).toBe(versions.size + 1);
  });

  it('refuses a checkpoint with versions for more units than the tree has, or a version that is not a count', () => {
    const h = new Hierarchy();
    h.register('a', 'province', -1, since, 'A');
    const versions = new StreamVersions(h);
    expect(() => versions.importState(new Float64Array(2), new Float64Array(0), () => '')).toThrow(
      'stream versions for 2 units of 1',
    );
    expect(() => versions.importState(Float64Array.of(1.5), new Float64Array(0), () => '')).toThrow(
      "unit 0's stream version is 1.5",
    );
  });
});
