import { describe, expect, it } from 'vitest';
import { parseBenchArgs, parseSize, SMOKE_EVENTS, sizeLabel } from './bench-options.ts';

const dirs = { cacheDir: '/c', resultsDir: '/r' };

describe('bench options', () => {
  it('defaults to the two smaller sizes', () => {
    expect(parseBenchArgs([], dirs)).toMatchObject({
      sizes: [100_000, 1_000_000],
      smoke: false,
      httpSeconds: 5,
    });
  });

  it('reads sizes as pnpm passes them, sorted, with or without `--`', () => {
    expect(parseBenchArgs(['--', '--sizes', '10m,100k,1m'], dirs).sizes).toEqual([
      100_000, 1_000_000, 10_000_000,
    ]);
    expect(parseBenchArgs(['--sizes=250k'], dirs).sizes).toEqual([250_000]);
  });

  it('runs one small log in smoke mode whatever sizes were asked for', () => {
    expect(parseBenchArgs(['--sizes', '10m', '--smoke'], dirs)).toMatchObject({
      sizes: [SMOKE_EVENTS],
      smoke: true,
    });
  });

  it('refuses what it does not know, with the usage', () => {
    expect(() => parseBenchArgs(['--size', '1m'], dirs)).toThrow(/usage: pnpm bench/);
    expect(() => parseSize('12')).toThrow(RangeError);
  });

  it('labels sizes as they are typed', () => {
    expect([100_000, 1_000_000, 10_000_000, 6_000, 123_456].map(sizeLabel)).toEqual([
      '100k',
      '1m',
      '10m',
      '6k',
      '123456',
    ]);
  });
});
