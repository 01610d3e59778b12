import { fileURLToPath } from 'node:url';
import { bundleForNode } from '../src/bundle.ts';

/** `pnpm start`'s first step: bundles src/server.ts into dist/server.mjs (see bundle.ts). */
await bundleForNode(
  fileURLToPath(new URL('../src/server.ts', import.meta.url)),
  fileURLToPath(new URL('../dist/server.mjs', import.meta.url)),
);
