import { describe, expect, it } from 'vitest';
import { settledMemory } from './memory.ts';

describe('settledMemory', () => {
  it('rests as long as asked before its last reading, and keeps the reading from before the rest', async () => {
    const started = performance.now();
    const m = await settledMemory({ restMs: 120, pollMs: 10, maxMs: 40 });
    expect(m.restMs).toBeGreaterThanOrEqual(110);
    expect(performance.now() - started).toBeGreaterThanOrEqual(m.restMs);
    expect(m.rssBeforeRest).toBeGreaterThan(0);
    expect(m.rss).toBeGreaterThan(0);
    expect(m.rounds).toBeGreaterThanOrEqual(1);
  });

  it('does not rest unless asked: the reading before the rest is the reading', async () => {
    const m = await settledMemory({ pollMs: 10, maxMs: 40 });
    expect(m.restMs).toBe(0);
    expect(m.rssBeforeRest).toBe(m.rss);
  });
});
