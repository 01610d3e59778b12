import { type EventInput, fixedClock, Ledger, MemoryEventStore, prepareEvent } from '@chitieu/core';
import { sequentialIds } from '@chitieu/core/testing';
import { describe, expect, it } from 'vitest';
import { loadFixturesIfEmpty } from './load-fixtures.ts';
import { worldEvents } from './testing/world.ts';

const clock = fixedClock('2025-01-01T00:00:00Z');

/** One write per event, on the stream the catalogue gives it (as `fixtureWrites` yields them). */
const canonicalWrites = (events: EventInput[]) =>
  events.map((e) => {
    const p = prepareEvent(e, '');
    if (!p.ok) throw new Error('bad test event');
    return { stream: p.event.stream, events: [e] };
  });

describe('loadFixturesIfEmpty', () => {
  it('loads writes into an empty log in batches, and does nothing once the log has events', async () => {
    const store = new MemoryEventStore({ clock, newId: sequentialIds() });
    const ledger = await Ledger.open({ store, clock, follow: false });
    const ids = sequentialIds(Date.UTC(2024, 0, 1), 7);
    const events = worldEvents().map((e) => ({ ...e, id: ids() }));
    const progress: number[] = [];
    const loaded = await loadFixturesIfEmpty(ledger, canonicalWrites(events), {
      batchEvents: 5,
      onProgress: (n) => progress.push(n),
    });
    expect(loaded).toBe(events.length);
    expect(progress.at(-1)).toBe(events.length);
    expect(progress.length).toBeGreaterThan(1);
    expect(await loadFixturesIfEmpty(ledger, canonicalWrites(events))).toBe(0);
    expect(await store.head()).toBe(events.length);
  });

  it('loads once when two nodes race on one empty log: events with ids are recognised as retries', async () => {
    const store = new MemoryEventStore({ clock, newId: sequentialIds() });
    const [a, b] = await Promise.all([1, 2].map(() => Ledger.open({ store, clock, follow: false })));
    const ids = sequentialIds(Date.UTC(2024, 0, 1), 9);
    const events = worldEvents().map((e) => ({ ...e, id: ids() }));
    await Promise.all(
      [a!, b!].map((l) => loadFixturesIfEmpty(l, canonicalWrites(events), { batchEvents: 4 })),
    );
    expect(await store.head()).toBe(events.length);
  });
});
