import { Engine } from './engine.ts';
import { type BlobRef, SnapshotReader, SnapshotWriter, type StringsRef } from './snapshot-codec.ts';

/**
 * Bumped whenever the projections' shape or meaning changes: a checkpoint of another version is refolded
 * from the log instead of being trusted.
 */
export const PROJECTION_VERSION = 28;

/** The identity of the log position a checkpoint was taken at, so it is never applied to another log. */
export interface CheckpointMark {
  readonly position: number;
  /** The id of the event at `position` (none at 0). */
  readonly eventId: string | null;
}

/** Serialises an engine's whole state, with the mark of the log position it reflects. */
export const snapshotEngine = (engine: Engine, mark: CheckpointMark): Uint8Array => {
  if (mark.position !== engine.position)
    throw new Error(`mark is for position ${mark.position}, engine is at ${engine.position}`);
  const w = new SnapshotWriter();
  const header = {
    version: PROJECTION_VERSION,
    mark,
    recordedAt: engine.recordedAt ?? null,
    ...(({ units, names, versions }) => ({
      unitStreamVersions: w.blob(units),
      streams: w.strings(names),
      streamVersions: w.blob(versions),
    }))(engine.streamVersions.exportState()),
    anomalies: engine.anomalies,
    populations: engine.populations.entries(),
    hierarchy: engine.hierarchy.exportState(w),
    records: engine.records.exportState(w),
    activities: engine.activities.exportState(w),
    stocks: engine.stocks.exportState(w),
    people: engine.people.exportState(w),
    contributions: engine.contributions.exportState(w),
  };
  return w.finish(header);
};

type Header = {
  version: number;
  mark: CheckpointMark;
  recordedAt: string | null;
  /** By unit index, the version of the unit's stream (0: none). */
  unitStreamVersions: BlobRef;
  /** The other streams decisions depend on, and their versions. */
  streams: StringsRef;
  streamVersions: BlobRef;
  anomalies: Engine['anomalies'];
  populations: { kind: string; channel?: string | null }[];
  hierarchy: ReturnType<Engine['hierarchy']['exportState']>;
  records: ReturnType<Engine['records']['exportState']>;
  activities: ReturnType<Engine['activities']['exportState']>;
  stocks: ReturnType<Engine['stocks']['exportState']>;
  people: ReturnType<Engine['people']['exportState']>;
  contributions: ReturnType<Engine['contributions']['exportState']>;
};

/** Reads a checkpoint's mark without restoring it (cheap: the header only). */
export const checkpointMark = (bytes: Uint8Array): { version: number; mark: CheckpointMark } => {
  const h = new SnapshotReader(bytes).header as Header;
  return { version: h.version, mark: h.mark };
};

/**
 * Rebuilds an engine from a checkpoint; throws when it was written by another projection version.
 *
 * The engine takes `bytes` over: its arrays are views of them wherever the alignment allows, which makes a
 * restore a matter of creating views rather than copying (and, at national scale, avoids the collections
 * that gigabytes of fresh copies set off). Pass bytes that nothing else will read or write. A structure that
 * outgrows its view moves to an array of its own; its old place stays allocated with the rest of `bytes`
 * until the engine is dropped, so memory after a restore is at most the checkpoint's size plus growth.
 */
export const restoreEngine = (bytes: Uint8Array): Engine => {
  const r = new SnapshotReader(bytes);
  const h = r.header as Header;
  if (h.version !== PROJECTION_VERSION)
    throw new Error(`checkpoint has projection version ${h.version}, this engine ${PROJECTION_VERSION}`);
  const engine = new Engine();
  engine.hierarchy.importState(r, h.hierarchy);
  engine.populations.importState(h.populations);
  engine.records.importState(r, h.records);
  engine.activities.importState(r, h.activities);
  engine.stocks.importState(r, h.stocks);
  engine.people.importState(r, h.people);
  engine.contributions.importState(r, h.contributions);
  const streams = r.stringColumn(h.streams);
  const versions = r.f64(h.streamVersions);
  if (versions.length !== streams.length)
    throw new RangeError('checkpoint: stream names and versions differ in length');
  for (let i = 0; i < streams.length; i++)
    if (streams.isNull(i)) throw new RangeError(`checkpoint: stream #${i} has no name`);
  engine.streamVersions.importState(r.f64(h.unitStreamVersions), versions, (i) => streams.get(i)!);
  engine.anomalies.push(...h.anomalies);
  engine.position = h.mark.position;
  engine.recordedAt = h.recordedAt ?? undefined;
  return engine;
};
