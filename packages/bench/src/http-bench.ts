import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createApp } from '@chitieu/api';
import type { Clock, Ledger } from '@chitieu/core';
import { mulberry32 } from '@chitieu/fixtures';
import { type HonoRuntime, loadHonoRuntime } from './hono-runtime.ts';
import type { LoadResult, LoadScenario } from './load-client.ts';
import { BENCH_DIR } from './paths.ts';
import type { Progress } from './progress.ts';
import { queryKinds } from './query-kinds.ts';

const run = promisify(execFile);

type Scenario = 'hello' | 'cached' | 'uncached';

export interface HttpResult {
  readonly connections: number;
  readonly seconds: number;
  /** Rounds of the three scenarios, in alternating order; each figure is the best of its rounds. */
  readonly rounds: number;
  /** Distinct indicator URLs cycled through. */
  readonly urls: number;
  /** 304s: the client sends the ETag it was given, and the route answers before asking the engine. */
  readonly cached: LoadResult;
  /** 200s: each request computes the answer. */
  readonly uncached: LoadResult;
  /** A bare Hono app answering `hello`, served by the same process through the same adapter. */
  readonly hello: LoadResult;
}

const listen = (runtime: HonoRuntime, fetch: (r: Request) => Response | Promise<Response>) =>
  new Promise<{ server: Server; url: string }>((done) => {
    const server = runtime.serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => {
      const { port } = server.address() as AddressInfo;
      done({ server, url: `http://127.0.0.1:${port}` });
    });
  });

const close = (server: Server) =>
  new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });

/** Runs the load generator in its own process and reads its result. */
const load = async (scenario: LoadScenario): Promise<LoadResult> => {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(BENCH_DIR, 'src', 'load-client.ts'), JSON.stringify(scenario)],
    { cwd: BENCH_DIR, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as LoadResult;
};

/**
 * Indicator GETs under concurrent load on loopback, cached (If-None-Match → 304) and uncached, against a
 * Hono "hello" route served by this same process. The API runs as `createApp` builds it for production,
 * with open reads (no token lookups) and no rate limit.
 */
export const benchHttp = async (
  ledger: Ledger,
  clock: Clock,
  provinces: readonly string[],
  options: {
    readonly seconds: number;
    readonly seed: number;
    readonly warmUp: boolean;
    readonly rounds: number;
    readonly progress: Progress;
  },
): Promise<HttpResult> => {
  const runtime = await loadHonoRuntime();
  const app = createApp({ ledger, clock, auth: { openReads: true } });
  const hello = new runtime.Hono();
  hello.get('/hello', (c) => c.text('hello'));
  const api = await listen(runtime, app.fetch);
  const reference = await listen(runtime, hello.fetch);
  try {
    const rng = mulberry32(options.seed * 97);
    const kind = queryKinds(provinces).find((k) => k.id === 'province-quarter')!;
    const paths = [
      ...new Set(
        Array.from({ length: 64 }, () => {
          const q = kind.draw(rng).query;
          return `/v1/indicators/turns?unit=${encodeURIComponent(q.unit)}&period=${encodeURIComponent(q.period)}`;
        }),
      ),
    ];
    // The ETag covers the Accept header, so the load generator must send the one the tag was made for.
    const accept = { accept: 'application/json' };
    const etags = await Promise.all(
      paths.map(async (path) => {
        const res = await fetch(`${api.url}${path}`, { headers: accept });
        await res.arrayBuffer();
        const etag = res.headers.get('etag');
        if (res.status !== 200 || etag === null)
          throw new Error(`GET ${path} gave ${res.status} without an ETag`);
        return etag;
      }),
    );
    const common = { connections: 10, seconds: options.seconds };
    // A short unrecorded run first, so whichever scenario comes first does not pay for the JIT's warm-up
    // (skipped in smoke mode, whose figures only prove the path runs).
    if (options.warmUp) {
      options.progress.update('http: warming up', 0);
      const warm = { ...common, seconds: Math.min(1, options.seconds) };
      await load({ ...warm, url: reference.url, requests: [{ path: '/hello', headers: accept }] });
      await load({ ...warm, url: api.url, requests: paths.map((path) => ({ path, headers: accept })) });
    }
    const scenarios: Record<Scenario, LoadScenario> = {
      hello: { ...common, url: reference.url, requests: [{ path: '/hello', headers: accept }] },
      cached: {
        ...common,
        url: api.url,
        requests: paths.map((path, i) => ({ path, headers: { ...accept, 'if-none-match': etags[i]! } })),
      },
      uncached: { ...common, url: api.url, requests: paths.map((path) => ({ path, headers: accept })) },
    };
    // The machine's throughput drifts over minutes (other processes, CPU frequency): rounds in alternating
    // order, keeping each scenario's best, so no scenario is favoured by when it ran.
    const best: Partial<Record<Scenario, LoadResult>> = {};
    for (let round = 0; round < options.rounds; round++) {
      const order: Scenario[] =
        round % 2 === 0 ? ['hello', 'cached', 'uncached'] : ['uncached', 'cached', 'hello'];
      for (const name of order) {
        options.progress.update(`http: ${name}, round ${round + 1} of ${options.rounds}`, 0);
        const r = await load(scenarios[name]);
        if (best[name] === undefined || r.rps > best[name].rps) best[name] = r;
      }
    }
    const { hello: helloResult, cached, uncached } = best as Record<Scenario, LoadResult>;
    const result: HttpResult = {
      ...common,
      rounds: options.rounds,
      urls: paths.length,
      cached,
      uncached,
      hello: helloResult,
    };
    options.progress.done(
      `http: hello ${Math.round(helloResult.rps)} req/s, cached ${Math.round(cached.rps)} req/s, uncached ${Math.round(uncached.rps)} req/s`,
    );
    return result;
  } finally {
    await close(api.server);
    await close(reference.server);
  }
};
