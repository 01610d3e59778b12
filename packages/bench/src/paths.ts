import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file sits at packages/bench/src. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Generated logs, reused across runs (gitignored). */
export const DEFAULT_CACHE_DIR = join(REPO_ROOT, 'bench', '.cache');

/** One JSON file per run. */
export const DEFAULT_RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');

/** The bench package's own directory (children are started from it, so `--import tsx` resolves). */
export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Removes a SQLite database and everything SQLite and the store keep beside it (WAL, index, checkpoint files). */
export const removeDatabase = (
  path: string,
  suffixes: readonly string[] = ['', '-wal', '-shm', '-checkpoints'],
) => {
  for (const suffix of suffixes) rmSync(`${path}${suffix}`, { force: true, recursive: true });
};
