import type { IndicatorResult, ResultRow } from '@chitieu/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { suppressIndicator } from './suppress.ts';

const result = (value: number, rows: number[]): IndicatorResult => ({
  indicator: 'people',
  unit: { id: 'u', name: 'U', level: 'province' },
  period: { label: '2024', from: '2024-01-01', to: '2024-12-31' },
  view: 'as-was',
  params: {},
  value,
  exact: true,
  by: 'unit',
  rows: rows.map((v, i): ResultRow => ({ key: `r${i}`, label: `R${i}`, value: v, exact: true })),
  position: 1,
});

const T = { threshold: 5 };

describe('suppressIndicator', () => {
  it('publishes zero and counts at or above the threshold, withholds 1 to threshold-1', () => {
    expect(suppressIndicator(result(0, []), T).value).toBe(0);
    expect(suppressIndicator(result(5, []), T).value).toBe(5);
    for (const n of [1, 2, 3, 4]) expect(suppressIndicator(result(n, []), T).value).toBeNull();
  });

  it('never leaves a single small row recoverable as the total minus the others', () => {
    const r = suppressIndicator(result(100, [3, 40, 57]), T);
    expect(r.rows!.map((x) => x.value)).toEqual([null, null, 57]);
  });

  it('keeps suppressing the next smallest row until the hidden rows hold at least the threshold', () => {
    const r = suppressIndicator(result(20, [1, 1, 2, 16]), T);
    // 1 + 1 hidden as small, 2 is small too: 4 < 5, so 16 goes as well.
    expect(r.rows!.map((x) => x.value)).toEqual([null, null, null, null]);
  });

  it('does not suppress anything else when no row is small', () => {
    const r = suppressIndicator(result(30, [0, 10, 20]), T);
    expect(r.rows!.map((x) => x.value)).toEqual([0, 10, 20]);
  });

  it('leaves other indicators alone', () => {
    const turns = { ...result(3, [1, 2]), indicator: 'turns' as const };
    expect(suppressIndicator(turns, T)).toBe(turns);
  });

  it('law: whenever rows are withheld under a published total, they hide at least the threshold or every non-zero row', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 30 }), { minLength: 1, maxLength: 8 }), (parts) => {
        const total = parts.reduce((s, n) => s + n, 0);
        const r = suppressIndicator(result(total, parts), T);
        if (r.value === null) return;
        const hidden = parts.filter((_, i) => r.rows![i]!.value === null);
        const published = parts.filter((_, i) => r.rows![i]!.value !== null);
        for (const n of published) expect(n === 0 || n >= 5).toBe(true);
        if (hidden.length > 0) {
          const derivable = total - published.reduce((s, n) => s + n, 0);
          expect(derivable === 0 || derivable >= 5 || published.every((n) => n === 0)).toBe(true);
        }
      }),
      { seed: 20250115, numRuns: 300 },
    );
  });
});
