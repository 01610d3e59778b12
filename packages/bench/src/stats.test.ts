import { describe, expect, it } from 'vitest';
import { percentile, summarise } from './stats.ts';

describe('percentiles', () => {
  it('takes the nearest rank, so p99 of 100 samples is the 99th smallest', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarise(samples)).toMatchObject({ n: 100, p50: 50, p99: 99, max: 100 });
  });

  it('gives the only sample for any percentile of one', () => {
    expect(percentile([7], 1)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
  });
});
