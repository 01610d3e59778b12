import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A load generator in its own process, so it does not share the server's event loop (with two cores, one
 * runs the server and one autocannon). Reads a scenario as JSON from argv, prints the result as JSON.
 */

export interface LoadScenario {
  readonly url: string;
  /** Request paths with their extra headers, cycled through by every connection. */
  readonly requests: readonly {
    readonly path: string;
    readonly headers?: Readonly<Record<string, string>>;
  }[];
  readonly connections: number;
  readonly seconds: number;
}

export interface LoadResult {
  /** Mean requests per second over the run. */
  readonly rps: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly requests: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly timeouts: number;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  statusCodeStats?: Record<string, { count: number }>;
}

type Request = { path: string; headers?: Record<string, string> };
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  requests: { method: 'GET'; setupRequest: (request: Request) => Request }[];
}) => Promise<AutocannonResult>;

/** Runs one scenario with autocannon. */
export const runLoad = async (scenario: LoadScenario): Promise<LoadResult> => {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  let next = 0;
  const result = await autocannon({
    url: scenario.url,
    connections: scenario.connections,
    duration: scenario.seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const r = scenario.requests[next++ % scenario.requests.length]!;
          return { ...request, path: r.path, headers: { ...request.headers, ...r.headers } };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])),
    errors: result.errors,
    timeouts: result.timeouts,
  };
};

const isEntryPoint =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntryPoint && process.argv[2] !== undefined) {
  const scenario = JSON.parse(process.argv[2]) as LoadScenario;
  runLoad(scenario).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
