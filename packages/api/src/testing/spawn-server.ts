import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { IndicatorQuery } from '@chitieu/core';

/** The package directory: tsx resolves from here, and `src/server.ts` runs (`pnpm start` runs it bundled). */
export const API_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** Variables a test server must not inherit from the developer's shell. */
const SCRUBBED = /^(CHITIEU_|PORT$|HOST$|INIT_CWD$)/;

export interface RunningServer {
  readonly child: ChildProcess;
  readonly url: string;
  /** Every JSON line the server logged so far. */
  readonly records: Record<string, unknown>[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/**
 * Starts the real server (`node --import tsx src/server.ts`, or node with `args` from the package directory:
 * a bundle, as `pnpm start` runs it) with `env` on a free port and resolves once it logs that it listens.
 * Rejects with its stderr if it exits first.
 */
export const spawnServer = (
  env: Record<string, string>,
  timeoutMs = 30_000,
  args: readonly string[] = ['--import', 'tsx', 'src/server.ts'],
): Promise<RunningServer> => {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SCRUBBED.test(k)));
  const child = spawn(process.execPath, args, {
    cwd: API_DIR,
    env: { ...base, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const records: Record<string, unknown>[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) =>
    child.on('close', (code, signal) => done({ code, signal, stderr })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line);
      } catch {
        record = { unparsed: line };
      }
      records.push(record);
      if (record.msg === 'listening') {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${record.port}`, records, exited });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(
        new Error(`server exited with ${code} before listening:\n${stderr}\n${JSON.stringify(records)}`),
      );
    });
  });
};

/** Polls /readyz until it answers 200. */
export const waitReady = async (url: string, timeoutMs = 15_000): Promise<Record<string, unknown>> => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    if (res?.status === 200) return (await res.json()) as Record<string, unknown>;
    if (Date.now() > until) throw new Error(`not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** The GET path of an indicator query (as the fixtures' manifest writes them). */
export const indicatorPath = (q: IndicatorQuery): string => {
  const params = new URLSearchParams({ unit: q.unit, period: q.period });
  for (const key of ['view', 'by', 'grain', 'knownAt'] as const) {
    const v = q[key];
    if (v !== undefined) params.set(key, String(v));
  }
  for (const [k, v] of Object.entries(q.params ?? {})) params.set(k, String(v));
  return `/v1/indicators/${q.indicator}?${params}`;
};
