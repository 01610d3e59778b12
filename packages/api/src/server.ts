import { main } from './main.ts';

/**
 * The server's executable. `pnpm start` runs it bundled (`scripts/build-server.ts`, then
 * `node dist/server.mjs`); tests start it through tsx. `main.ts` starts nothing itself, so that a bundle of
 * anything that imports the API (the bench's) never starts a server.
 */
void main();
