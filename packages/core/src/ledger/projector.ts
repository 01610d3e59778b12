import { Engine } from '../engine/engine.ts';
import type { ActivityFacts } from '../events/activities.ts';
import type { StoredEvent } from '../events/envelope.ts';
import type { EventStore, Subscription } from '../store/types.ts';
import { loadActivity } from './activity-state.ts';

/**
 * Feeds an engine from a store, in order. The only help the fold needs from outside is the facts before a
 * correction that a writer stored without `previous` (the ledger always fills it); those are read from the
 * activity's own stream, so the fold itself stays pure.
 */
export class Projector {
  readonly engine: Engine;
  readonly #store: EventStore;
  #subscription: Subscription | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(store: EventStore, engine: Engine = new Engine()) {
    this.#store = store;
    this.engine = engine;
  }

  /** Applies every event after the engine's position, up to `to` (default: the head). */
  catchUp(to?: number): Promise<number> {
    return this.#exclusive(() => this.#catchUp(to));
  }

  /** Runs `work` while no events are being applied (e.g. to snapshot the engine consistently). */
  withEngine<T>(work: (engine: Engine) => T | Promise<T>): Promise<T> {
    return this.#exclusive(async () => work(this.engine));
  }

  /** Runs one mutation of the engine at a time: two interleaved would apply the same events twice. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Keeps the engine following the log until `stop()`. */
  follow(options: { pollIntervalMs?: number; onError?: (e: unknown) => void } = {}): void {
    if (this.#subscription) return;
    this.#subscription = this.#store.subscribe({
      after: this.engine.position,
      pollIntervalMs: options.pollIntervalMs ?? 500,
      onEvents: (events) =>
        this.#exclusive(async () => {
          const first = events.find((e) => e.position > this.engine.position);
          if (!first) return;
          // Pages follow each other, so a gap only means another catch-up ran ahead and then fell behind.
          if (first.position !== this.engine.position + 1) await this.#catchUp(first.position - 1);
          await this.applyPage(events);
        }),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  async stop(): Promise<void> {
    await this.#subscription?.close();
    this.#subscription = undefined;
  }

  async #catchUp(to: number | undefined): Promise<number> {
    const target = to ?? (await this.#store.head());
    while (this.engine.position < target) {
      const page = await this.#store.readAll({
        after: this.engine.position,
        limit: Math.min(5_000, target - this.engine.position),
      });
      if (page.events.length === 0) break;
      await this.applyPage(page.events);
    }
    return this.engine.position;
  }

  /** Applies a page of consecutive events, reading the prior facts of corrections stored without them. */
  async applyPage(events: readonly StoredEvent[]): Promise<void> {
    const missing = events.filter(
      (e): e is StoredEvent<'activity.corrected' | 'activity.voided'> =>
        (e.type === 'activity.corrected' || e.type === 'activity.voided') && e.data.previous === undefined,
    );
    const previous = new Map<number, ActivityFacts | undefined>();
    await Promise.all(
      missing.map(async (e) => {
        const state = await loadActivity(this.#store, e.data.activityId, e.version);
        previous.set(e.position, state.voided ? undefined : state.facts);
      }),
    );
    for (const e of events) {
      if (e.position <= this.engine.position) continue;
      this.engine.apply(e, previous.get(e.position));
    }
  }
}
