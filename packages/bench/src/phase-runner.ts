import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchAppend } from './append-bench.ts';
import { type CachedLog, ensureCachedLog } from './log-cache.ts';
import { Progress } from './progress.ts';
import { benchReads, type ReadTimes } from './read-bench.ts';
import { benchSize } from './size-bench.ts';

/** The child process of one phase: `phase-runner.ts <phase> <input.json> <output.json>`. */

interface AppendInput {
  readonly dir: string;
  readonly seed: number;
  readonly smoke: boolean;
}
interface CacheInput {
  readonly dir: string;
  readonly events: number;
  readonly seed: number;
}
interface ReadInput {
  readonly log: CachedLog;
}
interface SizeInput {
  readonly log: CachedLog;
  readonly reads: ReadTimes;
  readonly seed: number;
  readonly smoke: boolean;
  readonly http: boolean;
  readonly httpSeconds: number;
}

const [phase, inputPath, outputPath] = process.argv.slice(2);
if (phase === undefined || inputPath === undefined || outputPath === undefined) {
  throw new Error('usage: phase-runner.ts <append|cache|read|size> <input.json> <output.json>');
}
const input = JSON.parse(readFileSync(inputPath, 'utf8')) as unknown;

const run = async (): Promise<unknown> => {
  switch (phase) {
    case 'append': {
      const i = input as AppendInput;
      return benchAppend({ ...i, dir: join(i.dir, 'append'), progress: new Progress('  ') });
    }
    case 'cache': {
      const i = input as CacheInput;
      return ensureCachedLog(i.dir, i.events, i.seed, new Progress('  '));
    }
    case 'read': {
      const { log } = input as ReadInput;
      return benchReads(log.path, log.events.toLocaleString('en'), new Progress('  '));
    }
    case 'size':
      return benchSize({ ...(input as SizeInput), progress: new Progress('  ') });
    default:
      throw new Error(`unknown phase '${phase}'`);
  }
};

writeFileSync(outputPath, JSON.stringify(await run()));
