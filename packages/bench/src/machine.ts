import { execFileSync } from 'node:child_process';
import { cpus, freemem, platform, release, totalmem } from 'node:os';
import { REPO_ROOT } from './paths.ts';
import { PHASE_GLIBC_TUNABLES } from './phases.ts';

/** Where the figures were measured: they mean little without it. */
export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly freeMemoryBytes: number;
  readonly node: string;
  readonly os: string;
  readonly date: string;
  readonly commit: string | null;
  /** True when the working tree had uncommitted changes (the figures then belong to no commit exactly). */
  readonly dirty: boolean | null;
  /** GLIBC_TUNABLES of the phases' child processes (see phases.ts). */
  readonly glibcTunables: string;
}

const git = (args: string[]): string | null => {
  try {
    return execFileSync('git', args, {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
};

/** Describes this machine, the Node version and the git commit of the working tree. */
export const describeMachine = (): Machine => {
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    freeMemoryBytes: freemem(),
    node: process.version,
    os: `${platform()} ${release()}`,
    date: new Date().toISOString(),
    commit: git(['rev-parse', 'HEAD']),
    dirty: status === null ? null : status !== '',
    glibcTunables: PHASE_GLIBC_TUNABLES,
  };
};
