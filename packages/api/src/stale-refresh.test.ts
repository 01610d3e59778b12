import { fixedClock, Ledger, MemoryEventStore } from '@chitieu/core';
import { activity, event, sequentialIds, unit } from '@chitieu/core/testing';
import { describe, expect, it } from 'vitest';
import { refreshStaleCells } from './main.ts';

describe('refreshStaleCells', () => {
  it('rebuilds the cells a void left stale within its time budget, and does nothing when none are', async () => {
    const clock = fixedClock('2026-01-01T00:00:00Z');
    const ledger = await Ledger.open({
      store: new MemoryEventStore({ clock, newId: sequentialIds() }),
      clock,
      follow: false,
    });
    const people = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    for (const e of [
      unit('p', 'province', null),
      unit('g', 'grassroots', 'p'),
      activity('a1', 'g', '2024-03-04', { quantity: 4_000, participants: people(4_000, 'x') }),
      activity('a2', 'g', '2024-03-05', { quantity: 1_000, participants: people(1_000, 'y') }),
      event('activity.voided', { activityId: 'a2', reason: 'trùng' }, '2024-03-06'),
    ])
      await ledger.appendEvents([e]);
    // p's two roll-ups and its month sketch in each view (made when its cells became sketches); and p's
    // March in each view, listed to have its month log gathered ahead. (g's own people are read from its
    // log, which nothing makes stale.)
    expect(ledger.engine.people.pendingRefresh).toBe(6);
    // No time at all: nothing is rebuilt, nothing is lost.
    expect(refreshStaleCells(ledger, 0)).toBe(6);
    expect(refreshStaleCells(ledger, 10_000)).toBe(0);
    expect(refreshStaleCells(ledger)).toBe(0);
  });
});
