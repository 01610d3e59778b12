/** Percentile of sorted samples by the nearest-rank method (p in [0, 100]). */
export const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
};

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

/** p50, p99, mean and max of samples (any unit). */
export const summarise = (samples: readonly number[]): Summary => {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((s, x) => s + x, 0);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
    max: sorted.at(-1) ?? Number.NaN,
  };
};

/** Milliseconds since `start` (a `process.hrtime.bigint()` reading). */
export const msSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/** Forces a full collection when the process runs with --expose-gc (the bench's children always do). */
export const collectGarbage = (): boolean => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return false;
  // Twice: the first pass runs finalisers that release more.
  gc();
  gc();
  return true;
};
