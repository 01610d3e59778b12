import { setTimeout as sleep } from 'node:timers/promises';
import { collectGarbage } from './stats.ts';

/** The process's memory after a forced collection (when --expose-gc allows one), in bytes. */
export interface MemorySnapshot {
  /** Resident memory once it stopped falling after the collection (see {@link settledMemory}). */
  readonly rss: number;
  /** Resident memory as the collection returned, before V8's sweeper handed the freed pages back. */
  readonly rssAtCollection: number;
  /**
   * Resident memory once settled after the first collections, before the process rested (the figure the
   * bench reported as `rss` before the seventeenth session); equal to `rss` when it did not rest.
   */
  readonly rssBeforeRest: number;
  /** How long the process was left idle, before collecting again, so that V8's memory reducer could act. */
  readonly restMs: number;
  readonly heapUsed: number;
  /** V8's heap as reserved: used, plus room its collector keeps (its young generation's semi-spaces among it). */
  readonly heapTotal: number;
  /** Off-heap memory held by JS objects: the engine's typed arrays live here, not in heapUsed. */
  readonly external: number;
  readonly arrayBuffers: number;
  /** False when no collection could be forced: the figures then include garbage. */
  readonly collected: boolean;
  /** Forced collections (each of two passes) until one gave back less than a hundredth of the RSS. */
  readonly rounds: number;
}

/** How often {@link settledMemory} reads the resident size, and for how long at most after a collection. */
const SETTLE_POLL_MS = 100;
const SETTLE_MAX_MS = 5_000;
/** Collections at most, while each gives back at least {@link ROUND_SHARE} of the RSS. */
const MAX_ROUNDS = 5;
const ROUND_SHARE = 1 / 100;
/**
 * How long {@link settledMemory} leaves the process idle when asked to rest: longer than V8 waits after a
 * collection that freed memory before its memory reducer looks at the allocation rate
 * (`--gc-memory-reducer-start-delay-ms`, 8 s), so that a process at rest has given back what a server at
 * rest gives back. The reducer's collections shrink the young generation to its smallest: at 10M, after the
 * fold and the idle refresh, its semi-spaces held 27 MB, none of it in use; V8 keeps them as long as
 * allocation goes on and returns them within seconds of a pause.
 */
export const REST_MS = 10_000;
/** A resident size that fell less than this over {@link SETTLE_QUIET_MS} has settled. */
const SETTLE_BYTES = 2 ** 20;
const SETTLE_QUIET_MS = 500;

/**
 * Collects garbage, then reads memoryUsage once the resident size stops falling; again while a collection
 * gives back a hundredth of it or more (five times at most). A forced collection returns before V8's
 * concurrent sweeper has released the pages it emptied: at 1M the resident size read at once was 394 MB
 * and 250 ms later, with nothing else running, 315 MB — pages of garbage already collected, which a server
 * at rest does not hold. And one collection does not find every dead array: at 10M a scratch harness's
 * RSS read at once after one `gc()` was 1,534 MB, after three more 1,286 MB (a repack's or a trim's old
 * arrays among what went; V8 frees an array's memory only once a collection finds its wrapper dead).
 * The figure read as the first collection returned is kept as `rssAtCollection`. With `restMs` the
 * process is then left idle that long (see {@link REST_MS}) and collected and settled again; the figure
 * before the rest is kept as `rssBeforeRest`.
 */
export const settledMemory = async (
  options: { readonly restMs?: number; readonly pollMs?: number; readonly maxMs?: number } = {},
): Promise<MemorySnapshot> => {
  const { restMs = 0, pollMs = SETTLE_POLL_MS, maxMs = SETTLE_MAX_MS } = options;
  const collected = collectGarbage();
  const first = process.memoryUsage();
  let rounds = 0;
  const collect = async (rss: number): Promise<number> => {
    rounds++;
    let settled = await settle(rss, pollMs, maxMs);
    while (collected && rounds < MAX_ROUNDS) {
      collectGarbage();
      const next = await settle(process.memoryUsage().rss, pollMs, maxMs);
      rounds++;
      const gave = settled - next;
      settled = next;
      if (gave < settled * ROUND_SHARE) break;
    }
    return settled;
  };
  const rssBeforeRest = await collect(first.rss);
  let rested = 0;
  if (restMs > 0) {
    const started = performance.now();
    await sleep(restMs);
    rested = performance.now() - started;
    if (collected) collectGarbage();
    rounds = 0;
    await collect(process.memoryUsage().rss);
  }
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    rssAtCollection: first.rss,
    rssBeforeRest: restMs > 0 ? rssBeforeRest : m.rss,
    restMs: rested,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    collected,
    rounds,
  };
};

/** Polls the resident size from `start` until it fell less than {@link SETTLE_BYTES} over half a second; returns it. */
const settle = async (start: number, pollMs: number, maxMs: number): Promise<number> => {
  const started = performance.now();
  // The resident size at each poll of the last SETTLE_QUIET_MS, oldest first.
  const recent: number[] = [start];
  const quietPolls = Math.max(1, Math.round(SETTLE_QUIET_MS / pollMs));
  let rss = start;
  while (performance.now() - started < maxMs) {
    await sleep(pollMs);
    rss = process.memoryUsage().rss;
    recent.push(rss);
    if (recent.length > quietPolls + 1) recent.shift();
    if (recent.length === quietPolls + 1 && recent[0]! - rss < SETTLE_BYTES) break;
  }
  return rss;
};
