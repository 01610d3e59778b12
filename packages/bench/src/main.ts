import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppendCase } from './append-bench.ts';
import { type BenchOptions, parseBenchArgs, sizeLabel } from './bench-options.ts';
import { duration } from './format.ts';
import type { CachedLog } from './log-cache.ts';
import { describeMachine } from './machine.ts';
import { DEFAULT_CACHE_DIR, DEFAULT_RESULTS_DIR } from './paths.ts';
import { runPhase } from './phases.ts';
import { Progress } from './progress.ts';
import type { ReadTimes } from './read-bench.ts';
import { type Figure, failedSize, figuresOf, growthTable, summaryTable } from './report.ts';
import { writeResults } from './results.ts';
import type { SizeResult } from './size-bench.ts';

/**
 * `pnpm bench`: measures chitieu against physical references in the same run and prints ratios. Progress
 * goes to stderr, the summary to stdout, the JSON to bench/results/. Exits 1 when a correctness check
 * fails (a MISS of a speed goal is a result, not a failure).
 */
export const runBench = async (options: BenchOptions): Promise<{ ok: boolean; resultsPath: string }> => {
  const progress = new Progress();
  const machine = describeMachine();
  const labels = options.sizes.map(sizeLabel);
  progress.done(
    `chitieu bench${options.smoke ? ' (smoke)' : ''}: sizes ${labels.join(', ')}, seed ${options.seed}; ` +
      `${machine.cpus} cpus, ${(machine.memoryBytes / 2 ** 30).toFixed(0)} GiB, Node ${machine.node}`,
  );
  const started = Date.now();
  // A phase that dies costs its own figures only: the others are still reported (and the run fails).
  const failures: Figure[] = [];
  const failed = (events: number | null, error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    progress.done(`  failed: ${message}`);
    failures.push(failedSize(events, message));
  };
  let append: AppendCase[] | null = null;
  if (options.append) {
    progress.done('append throughput: SqliteEventStore vs raw better-sqlite3');
    try {
      append = await runPhase<AppendCase[]>('append', {
        dir: options.cacheDir,
        seed: options.seed,
        smoke: options.smoke,
      });
    } catch (error) {
      failed(null, error);
    }
  }
  const sizes: SizeResult[] = [];
  for (const events of options.sizes) {
    progress.done(`log of ${events.toLocaleString('en')} events`);
    try {
      const log = await runPhase<CachedLog>('cache', { dir: options.cacheDir, events, seed: options.seed });
      progress.done(
        log.generatedMs > 0 ? `  generated in ${duration(log.generatedMs)}` : `  reusing ${log.path}`,
      );
      // The reads in a process of their own, so that what they leave with the allocator is not counted
      // in the memory after loading (see benchReads).
      const reads = await runPhase<ReadTimes>('read', { log });
      sizes.push(
        await runPhase<SizeResult>('size', {
          log,
          reads,
          seed: options.seed,
          smoke: options.smoke,
          http: options.http,
          httpSeconds: options.httpSeconds,
        }),
      );
    } catch (error) {
      failed(events, error);
    }
  }
  const figures = [...figuresOf(append, sizes), ...failures];
  const ok = figures.every((f) => f.status !== 'FAIL');
  const { cacheDir: _cache, resultsDir: _results, ...shown } = options;
  const resultsPath = writeResults(
    options.resultsDir,
    { format: 1, machine, options: shown, durationMs: Date.now() - started, ok, figures, append, sizes },
    labels,
  );
  process.stdout.write(
    [
      '',
      `## chitieu bench — ${machine.date.slice(0, 10)}, ${machine.commit?.slice(0, 7) ?? 'no commit'}${machine.dirty ? ' (uncommitted changes)' : ''}, ${machine.cpus} cpus, Node ${machine.node}`,
      '',
      summaryTable(figures),
      '',
      '### How costs grow with the log',
      '',
      growthTable(sizes),
      '',
      `results: ${resultsPath}`,
      '',
    ].join('\n'),
  );
  return { ok, resultsPath };
};

const isEntryPoint =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntryPoint) {
  try {
    const options = parseBenchArgs(process.argv.slice(2), {
      cacheDir: DEFAULT_CACHE_DIR,
      resultsDir: DEFAULT_RESULTS_DIR,
    });
    const { ok } = await runBench(options);
    process.exitCode = ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
