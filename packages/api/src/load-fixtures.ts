import type { Ledger, StreamWrite } from '@chitieu/core';

/**
 * Loads writes (the fixtures, in load order) through the ledger when the log is empty, so that a newcomer's
 * first start can answer real figures. Consecutive writes go in atomic batches of about `batchEvents`. The
 * fixture events carry ids, so two nodes starting at once on an empty shared log load them once: the second
 * node's batches are recognised as retries. Returns how many events were appended.
 */
export const loadFixturesIfEmpty = async (
  ledger: Ledger,
  writes: Iterable<StreamWrite>,
  options: { batchEvents?: number; onProgress?: (events: number) => void } = {},
): Promise<number> => {
  if ((await ledger.store.head()) > 0) return 0;
  const max = options.batchEvents ?? 2_000;
  let batch: StreamWrite[] = [];
  let size = 0;
  let loaded = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await ledger.append(batch);
    loaded += size;
    options.onProgress?.(loaded);
    batch = [];
    size = 0;
  };
  for (const w of writes) {
    // A stream may have several writes in a batch: each is checked against the one before it.
    if (size > 0 && size + w.events.length > max) await flush();
    batch.push(w);
    size += w.events.length;
  }
  await flush();
  return loaded;
};
