import {
  answerIndicator,
  type Clock,
  type IndicatorQuery,
  Ledger,
  restoreEngine,
  snapshotEngine,
} from '@chitieu/core';
import type { SqliteEventStore } from '@chitieu/sqlite';
import { type MemorySnapshot, settledMemory } from './memory.ts';
import type { Progress } from './progress.ts';
import { collectGarbage, msSince } from './stats.ts';

/** A checkpoint's round trip: saved, then a ledger opened from it and checked against the folded one. */
export interface CheckpointResult {
  /** Where the restored ledger came from: the store, or — when the store refused the checkpoint — its bytes. */
  readonly from: 'store' | 'bytes';
  /** Milliseconds to snapshot and save (null when the store refused it). */
  readonly saveMs: number | null;
  readonly bytes: number;
  /** Ledger.open until ready: restore plus the (empty) tail. */
  readonly readyMs: number;
  /** False when the ledger refolded instead of restoring; `reason` says why. */
  readonly used: boolean;
  readonly reason: string | null;
  /** Whether the restored engine gave the same answers as the folded one. */
  readonly sameAnswers: boolean;
  /** The store's error when it refused the checkpoint. */
  readonly error: string | null;
  readonly memory: MemorySnapshot;
}

/** The ledger under test, held so the round trip can release it before restoring. */
export interface HeldLedger {
  ledger: Ledger | undefined;
}

/**
 * Saves a checkpoint with `ledger.checkpoint()`, releases the folded engine, and times `Ledger.open` from
 * the checkpoint. When the store refuses to keep it, the snapshot is taken in memory and the restore is
 * timed from those bytes, so the figure still exists — and the refusal is reported as a failure.
 */
export const benchCheckpoint = async (
  held: HeldLedger,
  store: SqliteEventStore,
  clock: Clock,
  checkpointName: string,
  probes: readonly IndicatorQuery[],
  progress: Progress,
): Promise<CheckpointResult> => {
  // The folded ledger is referenced only inside this function: once it returns and `held` lets go of it,
  // nothing holds the folded engine while the restored one is built.
  const save = async () => {
    const folded = held.ledger!;
    const before = probes.map((q) => JSON.stringify(answerIndicator(folded.engine, q, clock)));
    progress.update('saving a checkpoint', 0);
    const saving = process.hrtime.bigint();
    let saved: { bytes: number } | undefined;
    let error: string | null = null;
    let bytes: Uint8Array | undefined;
    try {
      saved = await folded.checkpoint();
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      progress.done(`the store refused the checkpoint (${error}); restoring from its bytes instead`);
      const position = folded.engine.position;
      const [event] = (await store.readAll({ after: position - 1, limit: 1 })).events;
      bytes = snapshotEngine(folded.engine, { position, eventId: event?.id ?? null });
    }
    const saveMs = saved ? msSince(saving) : null;
    await folded.close();
    return { before, saved, error, bytes, saveMs };
  };
  const { before, saved, error, saveMs, bytes: snapshot } = await save();
  let bytes = snapshot;
  // Release the folded engine first, so the two never share the heap.
  held.ledger = undefined;
  collectGarbage();
  progress.update('starting from the checkpoint', 0);
  const opening = process.hrtime.bigint();
  const restored = bytes
    ? await Ledger.open({ store, clock, follow: false, engine: restoreEngine(bytes) })
    : await Ledger.open({ store, clock, follow: false, checkpoints: store, checkpointName });
  const readyMs = msSince(opening);
  const outcome = restored.checkpointOutcome;
  const after = probes.map((q) => JSON.stringify(answerIndicator(restored.engine, q, clock)));
  const size = saved?.bytes ?? bytes?.byteLength ?? 0;
  bytes = undefined;
  const memory = await settledMemory();
  await restored.close();
  progress.done(`ready from checkpoint in ${Math.round(readyMs)} ms (${(size / 1e6).toFixed(1)} MB)`);
  return {
    from: saved ? 'store' : 'bytes',
    saveMs,
    bytes: size,
    readyMs,
    used: saved ? outcome.used : true,
    reason: saved && !outcome.used ? outcome.reason : null,
    sameAnswers: before.every((b, i) => b === after[i]),
    error,
    memory,
  };
};
