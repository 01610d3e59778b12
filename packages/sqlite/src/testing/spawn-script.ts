import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root: tsx is installed there, so `--import tsx` resolves from it. */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Runs one of the TypeScript scripts beside this file in a child Node process, and reads its stdout by line. */
export const spawnScript = (script: string, args: readonly string[]) => {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args],
    { cwd: ROOT, stdio: 'pipe' },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, lines: createInterface({ input: child.stdout }), exited };
};
