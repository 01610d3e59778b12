import { collectGarbage } from './stats.ts';

/** The process's memory after a forced collection (when --expose-gc allows one), in bytes. */
export interface MemorySnapshot {
  readonly rss: number;
  readonly heapUsed: number;
  /** Off-heap memory held by JS objects: the engine's typed arrays live here, not in heapUsed. */
  readonly external: number;
  readonly arrayBuffers: number;
  /** False when no collection could be forced: the figures then include garbage. */
  readonly collected: boolean;
}

/** Collects garbage, then reads memoryUsage. */
export const memorySnapshot = (): MemorySnapshot => {
  const collected = collectGarbage();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, collected };
};
