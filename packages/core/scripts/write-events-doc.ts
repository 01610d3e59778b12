import { writeFileSync } from 'node:fs';
import { catalogueMarkdown } from '../src/events/catalogue-doc.ts';

/** Regenerates docs/events.md from the catalogue's zod schemas (`pnpm docs:events`). */
const target = new URL('../../../docs/events.md', import.meta.url);
writeFileSync(target, catalogueMarkdown());
process.stdout.write(`wrote ${target.pathname}\n`);
