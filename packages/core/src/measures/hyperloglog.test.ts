import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HyperLogLog, hyperLogLogError } from './hyperloglog.ts';
import { hashPersonId } from './string-hash.ts';

const fcParams = { seed: 20_251_123, numRuns: 100, verbose: 1 } as const;
const TWO_32 = 2 ** 32;

/** Sketches the synthetic ids `p-${from}` … `p-${from + n - 1}`, hashed as real person ids are. */
const sketchOfIds = (from: number, n: number, precision = 12): HyperLogLog => {
  const sketch = new HyperLogLog(precision);
  for (let i = from; i < from + n; i++) sketch.add(hashPersonId(`p-${i}`));
  return sketch;
};

// vitest's deep equality walks typed arrays slowly; 64 KiB sketches deserve a plain loop.
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

const sketchOf = (hashes: readonly number[], precision: number): HyperLogLog => {
  const sketch = new HyperLogLog(precision);
  for (const h of hashes) sketch.add(h);
  return sketch;
};

/** A sketch whose registers all hold `rank`, to exercise estimate() far beyond what a test can add. */
const uniformSketch = (precision: number, rank: number): HyperLogLog => {
  const bytes = new HyperLogLog(precision).toBytes();
  bytes.fill(rank, 4);
  return HyperLogLog.fromBytes(bytes);
};

describe('HyperLogLog', () => {
  it('states its relative standard error as 1.04 / √m (about 1.6% at p = 12)', () => {
    expect(hyperLogLogError(12)).toBeCloseTo(1.04 / 64, 12);
    expect(new HyperLogLog().relativeError).toBeCloseTo(0.01625, 12);
    expect(new HyperLogLog(16).relativeError).toBeCloseTo(1.04 / 256, 12);
    expect(new HyperLogLog().registerCount).toBe(4096);
  });

  it.each([1e3, 1e4, 1e5, 1e6])('estimates %i distinct ids within 3 standard errors', (n) => {
    const sketch = sketchOfIds(0, n);
    expect(Math.abs(sketch.estimate() - n)).toBeLessThanOrEqual(3 * sketch.relativeError * n);
  });

  it.each([
    [2_000, 30],
    [50_000, 16],
  ])('has mean error near 0 and RMS error near 1.04/√m over disjoint ranges of %i ids', (n, ranges) => {
    const errors = Array.from({ length: ranges }, (_, r) => (sketchOfIds(r * n, n).estimate() - n) / n);
    const sigma = hyperLogLogError(12);
    const mean = errors.reduce((a, b) => a + b, 0) / ranges;
    const rms = Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / ranges);
    // The mean of k independent errors has standard error σ/√k; the RMS should be about σ (a little less in
    // the linear-counting range, where the error is smaller than HyperLogLog's).
    expect(Math.abs(mean)).toBeLessThanOrEqual((3 * sigma) / Math.sqrt(ranges));
    expect(rms).toBeGreaterThan(0.3 * sigma);
    expect(rms).toBeLessThan(1.5 * sigma);
  });

  it('stays within 3 standard errors across the switch from linear counting to the raw estimate', () => {
    const sketch = new HyperLogLog(12);
    let n = 0;
    for (const target of [4_096, 8_192, 10_000, 11_000, 11_392, 11_800, 12_500, 14_000, 17_000, 20_480]) {
      while (n < target) sketch.add(hashPersonId(`q-${n++}`));
      expect(Math.abs(sketch.estimate() - n)).toBeLessThanOrEqual(3 * sketch.relativeError * n);
    }
  });

  it('counts an empty sketch as 0 and a handful of ids almost exactly', () => {
    expect(new HyperLogLog().estimate()).toBe(0);
    expect(Math.round(sketchOfIds(0, 10).estimate())).toBe(10);
    expect(Math.round(sketchOfIds(0, 100).estimate())).toBeCloseTo(100, -1);
  });

  it('ignores repeats: adding the same hashes again leaves the registers unchanged', () => {
    const once = sketchOfIds(0, 5_000);
    const twice = sketchOfIds(0, 5_000);
    for (let i = 0; i < 5_000; i += 3) twice.add(hashPersonId(`p-${i}`));
    expect(twice.equals(once)).toBe(true);
  });

  it('indexes by the top p bits and ranks the remaining 32 - p bits', () => {
    const sketch = new HyperLogLog(12);
    sketch.add(0); // register 0, all 20 remaining bits zero: the maximum rank 33 - p = 21
    sketch.add(0xffffffff); // register 4095, rank 1
    sketch.add(0x00180400); // register 1, remaining bits 1000 0000 0100 …: rank 1
    sketch.add(0x00200001); // register 2, remaining bits 0000 0000 0000 0000 0001: rank 20
    const registers = sketch.toBytes().subarray(4);
    expect([registers[0], registers[1], registers[2], registers[4095]]).toEqual([21, 1, 20, 1]);
    const signed = new HyperLogLog(12);
    signed.add(-1);
    signed.add(0);
    signed.add(0x00180400);
    signed.add(0x00200001);
    expect(signed.equals(sketch)).toBe(true);
  });

  it('applies the 2^32 large-range correction above 2^32 / 30, and saturates at 2^32', () => {
    // p = 4, every register 20: raw = 0.673 · 16 · 2^20 ≈ 1.13e7, below 2^32/30, so it is reported as is.
    expect(uniformSketch(4, 20).estimate()).toBeCloseTo(0.673 * 16 * 2 ** 20, 3);
    // Every register 24: raw ≈ 1.81e8, above 2^32/30 ≈ 1.43e8, so −2^32 · ln(1 − raw / 2^32).
    const raw = 0.673 * 16 * 2 ** 24;
    expect(uniformSketch(4, 24).estimate()).toBeCloseTo(-TWO_32 * Math.log(1 - raw / TWO_32), 0);
    expect(uniformSketch(4, 24).estimate()).toBeGreaterThan(raw);
    expect(uniformSketch(4, 29).estimate()).toBe(TWO_32);
  });

  it('accepts precisions 4 to 16 only, and merges only equal precisions', () => {
    for (const p of [3, 17, 12.5, Number.NaN]) expect(() => new HyperLogLog(p)).toThrow(RangeError);
    expect(new HyperLogLog(4).registerCount).toBe(16);
    expect(new HyperLogLog(16).registerCount).toBe(65_536);
    expect(() => new HyperLogLog(12).merge(new HyperLogLog(11))).toThrow(RangeError);
  });

  it('rejects bytes that are not a sketch', () => {
    const good = sketchOfIds(0, 100, 6).toBytes();
    expect(() => HyperLogLog.fromBytes(good.subarray(0, good.length - 1))).toThrow(RangeError);
    expect(() => HyperLogLog.fromBytes(Uint8Array.of(0x50, 1, 6, 0))).toThrow(RangeError);
    const tooHigh = good.slice();
    tooHigh[10] = 33 - 6 + 1;
    expect(() => HyperLogLog.fromBytes(tooHigh)).toThrow(RangeError);
  });

  describe('laws (fast-check, seed printed on failure)', () => {
    const hashes = fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 300 });
    const precision = fc.integer({ min: 4, max: 16 });

    it('merges commutatively, associatively and idempotently', () => {
      fc.assert(
        fc.property(precision, hashes, hashes, hashes, (p, xs, ys, zs) => {
          const [a, b, c] = [sketchOf(xs, p), sketchOf(ys, p), sketchOf(zs, p)];
          expect(a.clone().merge(b).equals(b.clone().merge(a))).toBe(true);
          expect(
            a
              .clone()
              .merge(b)
              .merge(c)
              .equals(a.clone().merge(b.clone().merge(c))),
          ).toBe(true);
          expect(a.clone().merge(a).equals(a)).toBe(true);
        }),
        fcParams,
      );
    });

    it('merging two sketches equals sketching both inputs together', () => {
      fc.assert(
        fc.property(precision, hashes, hashes, (p, xs, ys) => {
          expect(
            sketchOf(xs, p)
              .merge(sketchOf(ys, p))
              .equals(sketchOf([...xs, ...ys], p)),
          ).toBe(true);
        }),
        fcParams,
      );
    });

    it('folds in registers kept elsewhere, at any offset, as merging the sketch itself does', () => {
      fc.assert(
        fc.property(precision, hashes, hashes, fc.nat(9), (p, xs, ys, offset) => {
          const other = sketchOf(ys, p);
          const stored = new Uint8Array(offset + other.registerCount);
          other.copyRegistersTo(stored, offset);
          expect(sketchOf(xs, p).mergeRegisters(stored, offset).equals(sketchOf(xs, p).merge(other))).toBe(
            true,
          );
        }),
        fcParams,
      );
    });

    it('round-trips through toBytes/fromBytes', () => {
      fc.assert(
        fc.property(precision, hashes, (p, xs) => {
          const sketch = sketchOf(xs, p);
          const restored = HyperLogLog.fromBytes(sketch.toBytes());
          expect(restored.equals(sketch)).toBe(true);
          expect(restored.estimate()).toBe(sketch.estimate());
          expect(sameBytes(restored.toBytes(), sketch.toBytes())).toBe(true);
        }),
        fcParams,
      );
    });
  });
});
