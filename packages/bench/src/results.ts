import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppendCase } from './append-bench.ts';
import type { BenchOptions } from './bench-options.ts';
import type { Machine } from './machine.ts';
import type { Figure } from './report.ts';
import type { SizeResult } from './size-bench.ts';

/** The JSON file of one run: where, with what, each figure and its reference, and the raw measurements. */
export interface BenchResults {
  readonly format: 1;
  readonly machine: Machine;
  readonly options: Omit<BenchOptions, 'cacheDir' | 'resultsDir'>;
  readonly durationMs: number;
  /** False when a correctness check failed (answers differ from SQL, a checkpoint did not round-trip). */
  readonly ok: boolean;
  readonly figures: readonly Figure[];
  readonly append: readonly AppendCase[] | null;
  readonly sizes: readonly SizeResult[];
}

/** Writes the results under `dir` as `<date>-<sizes>.json`; returns the path. */
export const writeResults = (dir: string, results: BenchResults, sizes: readonly string[]): string => {
  mkdirSync(dir, { recursive: true });
  const stamp = results.machine.date.replace(/[:.]/g, '-');
  const path = join(dir, `${stamp}-${results.options.smoke ? 'smoke' : sizes.join('-')}.json`);
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
};
