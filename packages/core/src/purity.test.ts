import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * packages/core must stay free of I/O so that other union tools can embed it anywhere. The lint rule catches
 * most slips; this test is the backstop: it reads every source file and allows only these imports.
 */
const ALLOWED = new Set(['zod']);
/** The contract suite and test helpers run under vitest, so they may use the test libraries. */
const ALLOWED_IN_TESTING = new Set(['zod', 'vitest', 'fast-check']);

const root = new URL('.', import.meta.url).pathname;
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? sources(join(dir, d.name))
      : d.name.endsWith('.ts') && !d.name.endsWith('.test.ts')
        ? [join(dir, d.name)]
        : [],
  );

const importsOf = (text: string) =>
  [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
    ),
  ].map((m) => m[1] ?? m[2]!);

describe('core purity', () => {
  it('imports nothing but zod (and the test libraries in the contract suite and testing helpers)', () => {
    const offences: string[] = [];
    for (const file of sources(root)) {
      const rel = relative(root, file);
      const allowed =
        rel.startsWith('testing/') || rel === 'store/contract.ts' ? ALLOWED_IN_TESTING : ALLOWED;
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('.')) continue;
        if (!allowed.has(spec)) offences.push(`${rel} imports '${spec}'`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('finds the imports it is meant to police', () => {
    expect(
      importsOf("import { x } from 'node:fs';\nexport { y } from \"pg\";\nconst z = await import('hono');"),
    ).toEqual(['node:fs', 'pg', 'hono']);
  });
});
