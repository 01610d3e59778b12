import type { StoredEvent } from '../events/envelope.ts';
import {
  DEFAULT_PAGE,
  type IterateOptions,
  type ReadAllPage,
  type SubscribeOptions,
  type Subscription,
} from './types.ts';

/** Every event after `options.after` (up to `options.to`), page by page: each store's `iterate`. */
export async function* pageThrough(
  readAll: (options: { after: number; limit: number }) => Promise<ReadAllPage>,
  options: IterateOptions = {},
): AsyncIterable<StoredEvent> {
  let after = options.after ?? 0;
  const pageSize = options.pageSize ?? DEFAULT_PAGE;
  for (;;) {
    const limit = options.to === undefined ? pageSize : Math.min(pageSize, options.to - after);
    if (limit <= 0) return;
    const page = await readAll({ after, limit });
    if (page.events.length === 0) return;
    yield* page.events;
    after = page.next;
  }
}

/** A way for a store to say "something was appended" to followers in the same process. */
export class AppendSignal {
  readonly #listeners = new Set<() => void>();
  notify(): void {
    for (const l of this.#listeners) l();
  }
  listen(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/**
 * Follows a log page by page. In-process appends wake it at once through `signal`; appends by other
 * processes are found by polling, so a follower never depends on notifications to be correct, only to be quick.
 */
export const followLog = (
  readAll: (after: number, limit: number) => Promise<ReadAllPage>,
  signal: AppendSignal,
  options: SubscribeOptions,
): Subscription => {
  const pageSize = options.pageSize ?? 1_000;
  const pollMs = options.pollIntervalMs ?? 500;
  let position = options.after;
  let closed = false;
  let wake: (() => void) | undefined;
  const waiters: { position: number; resolve: () => void }[] = [];
  const settleWaiters = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.position <= position) waiters.splice(i, 1)[0]!.resolve();
    }
  };
  // Set by every notification, cleared before each read: a notification that lands while a read is in
  // flight must not be lost, or the follower would sleep a whole poll interval with events waiting.
  let pending = false;
  const unlisten = signal.listen(() => {
    pending = true;
    wake?.();
  });

  const loop = async () => {
    while (!closed) {
      pending = false;
      try {
        const page = await readAll(position, pageSize);
        if (page.events.length > 0) {
          await options.onEvents(page.events);
          position = page.next;
          settleWaiters();
          continue;
        }
      } catch (error) {
        if (closed) break;
        // A closed store will never answer again: stop rather than poll it forever.
        if ((error as { code?: unknown }).code === 'store_closed') {
          closed = true;
          unlisten();
          break;
        }
        options.onError?.(error);
      }
      if (pending || closed) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        // A follower alone must not keep a process alive (a script that opened a ledger should exit);
        // servers are kept alive by their sockets.
        (timer as { unref?: () => void }).unref?.();
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  };
  const running = loop();

  return {
    get position() {
      return position;
    },
    caughtUp(target: number) {
      if (position >= target) return Promise.resolve();
      return new Promise((resolve) => {
        waiters.push({ position: target, resolve });
        wake?.();
      });
    },
    async close() {
      closed = true;
      unlisten();
      wake?.();
      await running;
    },
  };
};
