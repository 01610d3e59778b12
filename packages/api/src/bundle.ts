import { build } from 'esbuild';

/**
 * Modules a bundle leaves to Node's resolution at run time: better-sqlite3 finds its compiled addon beside
 * its own files, and pg asks for pg-native only when told to (a bundle must not fail on its absence).
 */
export const BUNDLE_EXTERNALS: readonly string[] = ['better-sqlite3', 'pg-native', '@electric-sql/pglite'];

/**
 * Bundles `entry` and what it imports from the workspace and node_modules (TypeScript as it is written)
 * into one ES module at `outfile` for Node 20, to run with plain `node`: no loader in the process. Under
 * `--import tsx` a process carries tsx's loader — a worker thread with a V8 heap of its own, and the
 * transpiled sources — which held 28 MB at rest beside the engine's modules (86 against 58 MB, nothing
 * loaded). Not minified: stack traces keep their names. The output sits at the same depth as the sources
 * (`dist/` beside `src/`), so that paths a module derives from `import.meta.url` still point where they did,
 * and externals resolve from the package's own node_modules.
 */
export const bundleForNode = async (entry: string, outfile: string): Promise<void> => {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: [...BUNDLE_EXTERNALS],
    // CommonJS dependencies call require() for Node's built-ins and the externals: give the module one.
    banner: {
      js: "import { createRequire as __chitieuRequire } from 'node:module'; const require = __chitieuRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
};
