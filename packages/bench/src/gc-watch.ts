import { PerformanceObserver } from 'node:perf_hooks';

/** Garbage-collection pauses seen while some work ran: what a latency tail is often made of. */
export interface GcPauses {
  readonly count: number;
  readonly totalMs: number;
  readonly maxMs: number;
}

/**
 * Watches GC pauses from now until `stop()`. Entries are delivered to observers asynchronously, after a
 * synchronous loop has long finished, so `stop` takes the buffered ones itself.
 */
export const watchGc = () => {
  const durations: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) durations.push(entry.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop: async (): Promise<GcPauses> => {
      await new Promise((done) => setImmediate(done));
      for (const entry of observer.takeRecords()) durations.push(entry.duration);
      observer.disconnect();
      return {
        count: durations.length,
        totalMs: durations.reduce((s, d) => s + d, 0),
        maxMs: durations.reduce((m, d) => Math.max(m, d), 0),
      };
    },
  };
};
