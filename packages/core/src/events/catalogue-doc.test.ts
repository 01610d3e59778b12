import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from './catalogue.ts';
import { catalogueMarkdown } from './catalogue-doc.ts';

describe('the event catalogue reference (docs/events.md)', () => {
  it('is generated from the current schemas: run `pnpm docs:events` after changing an event', () => {
    const committed = readFileSync(new URL('../../../../docs/events.md', import.meta.url), 'utf8');
    expect(committed).toBe(catalogueMarkdown());
  });

  it('documents every event type', () => {
    const doc = catalogueMarkdown();
    for (const type of EVENT_TYPES) expect(doc).toContain(`### \`${type}\``);
  });
});
