import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { BENCH_DIR } from './paths.ts';
import type { BenchResults } from './results.ts';

const run = promisify(execFile);

describe('pnpm bench --smoke', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chitieu-bench-smoke-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every measurement path end to end, and the SQL reference agrees with the engine', async () => {
    // As a child process, exactly as `pnpm bench` runs it: phases spawn their own children with --expose-gc.
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/main.ts',
        '--smoke',
        '--cache',
        join(dir, 'cache'),
        '--out',
        join(dir, 'results'),
      ],
      { cwd: BENCH_DIR, timeout: 55_000, maxBuffer: 1 << 22 },
    );
    expect(stdout).toContain('| size | figure');
    expect(stdout).toContain('How costs grow with the log');
    const path = /results: (.+\.json)/.exec(stdout)?.[1];
    expect(path).toBeDefined();
    const results = JSON.parse(readFileSync(path!, 'utf8')) as BenchResults;

    expect(results.ok).toBe(true);
    expect(results.machine.cpus).toBeGreaterThan(0);
    expect(results.append?.map((c) => c.batchSize)).toEqual([1, 100, 1000]);
    const [size] = results.sizes;
    expect(size?.errors).toEqual([]);
    expect(size?.queries?.map((q) => q.id)).toEqual([
      'province-quarter',
      'national-year',
      'by-unit',
      'participation-rate',
      'people',
      'people-days',
      'people-week',
    ]);
    for (const q of size!.queries ?? [])
      expect(q.agreed, `${q.id}: ${JSON.stringify(q.disagreements)}`).toBe(q.checked);
    expect(size!.checkpoint).toMatchObject({ from: 'store', used: true, sameAnswers: true });
    expect(size!.memory.loaded.collected).toBe(true);
    expect(size!.http?.cached.statuses).toEqual({ '304': size!.http?.cached.requests });
    expect(results.figures.every((f) => f.status !== 'FAIL')).toBe(true);
  }, 60_000);
});
