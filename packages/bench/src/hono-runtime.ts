import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * hono and @hono/node-server are dependencies of @chitieu/api, not of the bench, and pnpm does not hoist
 * them where the bench can import them by name. They are loaded from the API package's own resolution
 * instead, so the hello reference runs the very same Hono and adapter as the API (and the bench's
 * package.json and the lockfile stay as they are).
 */

type Fetch = (request: Request) => Response | Promise<Response>;

/** The slice of Hono the hello reference uses. */
export interface HonoApp {
  get(path: string, handler: (c: { text(body: string): Response }) => Response): unknown;
  readonly fetch: Fetch;
}

export interface HonoRuntime {
  readonly Hono: new () => HonoApp;
  readonly serve: (
    options: { fetch: Fetch; port: number; hostname: string },
    listening: (info: { port: number }) => void,
  ) => Server;
}

/** Loads Hono and its Node adapter as @chitieu/api resolves them. */
export const loadHonoRuntime = async (): Promise<HonoRuntime> => {
  const fromBench = createRequire(import.meta.url);
  const fromApi = createRequire(fromBench.resolve('@chitieu/api'));
  const load = async (name: string) =>
    (await import(pathToFileURL(fromApi.resolve(name)).href)) as Record<string, unknown>;
  const hono = await load('hono');
  const server = await load('@hono/node-server');
  return { Hono: hono.Hono as HonoRuntime['Hono'], serve: server.serve as HonoRuntime['serve'] };
};
