import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleForNode } from '@chitieu/api/bundle';
import { BENCH_DIR } from './paths.ts';

/**
 * Each phase runs in a child process of its own: memory figures then belong to one log size only, a
 * generator's garbage never counts against the engine, and --expose-gc is on without asking the user to
 * pass node flags to `pnpm bench`.
 */
export const PHASE_FLAGS = ['--expose-gc', '--max-old-space-size=16384'];

/**
 * The phases' script: `src/phase-runner.ts` bundled as `pnpm start` bundles the server (`bundleForNode`),
 * so that a phase runs with plain node, as the server does, and its memory holds no tsx loader (a worker
 * thread with a heap of its own: 28 MB at rest). One file per bench process, beside `src/` at the same depth
 * (paths.ts derives the repository from its own location), removed when the process exits.
 */
const PHASE_SCRIPT = join(BENCH_DIR, 'dist', `phase-runner-${process.pid}.mjs`);
let bundled: Promise<void> | undefined;
const phaseScript = async (): Promise<string> => {
  if (bundled === undefined) {
    bundled = bundleForNode(join(BENCH_DIR, 'src', 'phase-runner.ts'), PHASE_SCRIPT);
    process.once('exit', () => rmSync(PHASE_SCRIPT, { force: true }));
  }
  await bundled;
  return PHASE_SCRIPT;
};

/**
 * glibc's malloc tuned as `pnpm start` runs the API (unless GLIBC_TUNABLES is set already): its large blocks
 * backed with transparent huge pages — a checkpoint's gigabyte arrives in fresh memory, and on a VM whose
 * host backs memory lazily, faulting it in 4 KiB at a time costs more than reading it — and blocks of 4 MiB
 * or more always mapped on their own, so that freeing one (a people arena chunk a compaction emptied, an
 * array that grew) gives its memory back (docs/performance.md). Engine and references run in the same
 * child, so both get it. glibc before 2.35 and other libcs ignore it.
 */
export const PHASE_GLIBC_TUNABLES =
  process.env.GLIBC_TUNABLES ?? 'glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=4194304';

/** Runs `phase` with `input` in a child (see phase-runner.ts) and returns what it wrote. */
export const runPhase = async <T>(phase: string, input: unknown): Promise<T> => {
  const dir = mkdtempSync(join(tmpdir(), 'chitieu-bench-'));
  const inputPath = join(dir, 'input.json');
  const outputPath = join(dir, 'output.json');
  writeFileSync(inputPath, JSON.stringify(input));
  try {
    const script = await phaseScript();
    const code = await new Promise<number | null>((done, fail) => {
      const child = spawn(
        process.execPath,
        [...PHASE_FLAGS, script, phase, inputPath, outputPath],
        // The child's stdout goes to our stderr: stdout is kept for the summary.
        {
          cwd: BENCH_DIR,
          stdio: ['ignore', process.stderr, 'inherit'],
          env: { ...process.env, GLIBC_TUNABLES: PHASE_GLIBC_TUNABLES },
        },
      );
      child.once('error', fail);
      child.once('exit', (c) => done(c));
    });
    if (code !== 0) throw new Error(`bench phase '${phase}' exited with code ${code}`);
    return JSON.parse(readFileSync(outputPath, 'utf8')) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
