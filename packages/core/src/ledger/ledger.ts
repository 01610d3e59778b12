import type { Engine } from '../engine/engine.ts';
import { Engine as EngineClass } from '../engine/engine.ts';
import { describeInspection } from '../engine/read-models.ts';
import { checkpointMark, PROJECTION_VERSION, restoreEngine, snapshotEngine } from '../engine/snapshot.ts';
import { IdReusedError, InvalidEventError, InvalidQueryError, VersionConflictError } from '../errors.ts';
import type { ActivityFacts } from '../events/activities.ts';
import { activityStream } from '../events/activities.ts';
import { type EventInput, issuesFromZod, prepareEvent, type StoredEvent } from '../events/envelope.ts';
import {
  answerParsed,
  type Explanation,
  explainIndicator,
  type IndicatorResult,
  parseIndicatorQuery,
} from '../indicators/answer.ts';
import { TargetQuery } from '../indicators/query.ts';
import { viewIndex } from '../indicators/scope.ts';
import { validateBatch } from '../store/append-plan.ts';
import type { AppendResult, EventStore, ExpectedVersion, StreamWrite } from '../store/types.ts';
import { directiveCascade, evaluateTarget, type TargetEvaluation } from '../targets/evaluate.ts';
import type { Clock } from '../time/civil.ts';
import { dayFromDate, dayOfInstant } from '../time/civil.ts';
import { loadActivity } from './activity-state.ts';
import { BatchView } from './batch-view.ts';
import { Projector } from './projector.ts';
import { checkEvents } from './rules.ts';

/** Where checkpoints of the projections are kept (the SQLite and PostgreSQL stores provide it). */
export interface CheckpointStore {
  /** The checkpoint saved under `name`; its bytes are the caller's from then on (a restore writes into them). */
  loadCheckpoint(name: string): Promise<{ position: number; state: Uint8Array } | undefined>;
  saveCheckpoint(name: string, position: number, state: Uint8Array): Promise<void>;
  /**
   * The position of the checkpoint saved under `name`, without reading its bytes (optional): a `knownAt`
   * before it then skips loading a checkpoint it could not use — 1.9 GB at national scale.
   */
  checkpointPosition?(name: string): Promise<number | undefined>;
}

/** What opening a ledger did with a checkpoint: restored it, or refolded and why. */
export type CheckpointOutcome =
  | { readonly used: true; readonly position: number; readonly restoreMs: number }
  | { readonly used: false; readonly reason: string };

export interface LedgerOptions {
  readonly store: EventStore;
  /** Restore projections from here on open (then fold only the tail), and save them with `checkpoint()`. */
  readonly checkpoints?: CheckpointStore;
  /** The checkpoint's name (default `projections`). */
  readonly checkpointName?: string;
  readonly clock: Clock;
  /** Follow appends made by other processes (default true). */
  readonly follow?: boolean;
  readonly pollIntervalMs?: number;
  /** How many past log positions keep a ready engine for `knownAt` queries (default 2). */
  readonly timeTravelCache?: number;
  /** Called when following the log fails (a store error); the follower keeps retrying. */
  readonly onError?: (error: unknown) => void;
}

const MAX_RETRIES = 3;

/**
 * The write side and the read side over one log. Appends are checked against the domain rules (on top of
 * the store's schema checks), completed (corrections get the facts they replace) and guarded by the
 * versions of every stream the check relied on, so a concurrent writer elsewhere cannot slip in between.
 * Reads answer from the projections, or, with `knownAt`, from an engine replayed to that position.
 */
export class Ledger {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly projector: Projector;
  readonly #past = new Map<number, Promise<Engine>>();
  readonly #cacheSize: number;
  readonly #checkpoints: CheckpointStore | undefined;
  readonly #checkpointName: string;
  /** What opening did with the checkpoint. */
  checkpointOutcome: CheckpointOutcome = { used: false, reason: 'no checkpoint store' };
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(options: LedgerOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.projector = new Projector(options.store);
    this.#cacheSize = options.timeTravelCache ?? 2;
    this.#checkpoints = options.checkpoints;
    this.#checkpointName = options.checkpointName ?? 'projections';
  }

  /** Opens a ledger on a store, folding the log (or the tail after `engine`'s position) first. */
  static async open(options: LedgerOptions & { engine?: Engine }): Promise<Ledger> {
    const ledger = new Ledger(options);
    const engine = options.engine ?? (await ledger.#restore());
    if (engine) (ledger.projector as { engine: Engine }).engine = engine;
    await ledger.projector.catchUp();
    if (options.follow ?? true) {
      ledger.projector.follow({
        ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
        ...(options.onError ? { onError: options.onError } : {}),
      });
    }
    return ledger;
  }

  get engine(): Engine {
    return this.projector.engine;
  }

  /**
   * Appends events, each to its own stream (the catalogue knows which), atomically and in the order given:
   * each run of consecutive events of one stream is one write, so a stream may have several writes in the
   * batch (registering units A and B and then moving A under B is one batch). Issues name the events as
   * submitted (`events.3.data.unitId`), not the writes they went into.
   */
  async appendEvents(events: readonly EventInput[]): Promise<AppendResult> {
    const writes: { stream: string; events: EventInput[] }[] = [];
    /** By write path (`writes.1.events.0`), the event's path as submitted (`events.4`). */
    const original = new Map<string, string>();
    const issues: { path: string; rule: string; message: string }[] = [];
    events.forEach((e, i) => {
      const p = prepareEvent(e, `events.${i}`);
      if (!p.ok) {
        issues.push(...p.issues);
        return;
      }
      let last = writes.at(-1);
      if (last?.stream !== p.event.stream) {
        last = { stream: p.event.stream, events: [] };
        writes.push(last);
      }
      last.events.push(e);
      original.set(`writes.${writes.length - 1}.events.${last.events.length - 1}`, `events.${i}`);
    });
    if (issues.length > 0) throw new InvalidEventError(issues);
    const asSubmitted = (path: string): string => {
      const m = /^writes\.\d+\.events\.\d+/.exec(path);
      return m && original.has(m[0]) ? original.get(m[0])! + path.slice(m[0].length) : path;
    };
    try {
      return await this.append(writes);
    } catch (error) {
      if (error instanceof InvalidEventError)
        throw new InvalidEventError(
          error.issues.map((issue) => ({ ...issue, path: asSubmitted(issue.path) })),
        );
      if (error instanceof IdReusedError)
        throw new IdReusedError(error.id, error.position, error.reason, asSubmitted(error.path));
      throw error;
    }
  }

  /** Appends a batch of writes atomically, after checking it against the domain rules. */
  append(writes: readonly StreamWrite[]): Promise<AppendResult> {
    const prepared = validateBatch(writes);
    return this.#exclusive(async () => {
      for (let attempt = 0; ; attempt++) {
        await this.projector.catchUp();
        const retry = await this.#asRetry(writes, prepared);
        if (retry) return retry;
        const view = new BatchView(this.engine);
        const located = prepared.flatMap((w, wi) =>
          w.events.map((event, ei) => ({ event, path: `writes.${wi}.events.${ei}` })),
        );
        const { issues, previous } = await checkEvents(view, located, (id) => loadActivity(this.store, id));
        if (issues.length > 0) throw new InvalidEventError(issues);
        const { final, guards, newActivities } = this.#guarded(writes, previous, view);
        try {
          const result = await this.store.appendBatch(final);
          await this.projector.catchUp(result.head);
          return {
            ...result,
            streams: result.streams.filter((s) => !guards.has(s.stream) || s.positions.length > 0),
          };
        } catch (error) {
          if (error instanceof VersionConflictError && guards.has(error.stream)) {
            const path = newActivities.get(error.stream);
            if (path !== undefined) {
              throw new InvalidEventError([
                {
                  path: `${path}.data.activityId`,
                  rule: 'duplicate_activity',
                  message: `activity stream '${error.stream}' already exists`,
                },
              ]);
            }
            // Another writer changed something this batch relied on: check again against the new state.
            if (attempt < MAX_RETRIES) continue;
          }
          throw error;
        }
      }
    });
  }

  /**
   * The engine as the log stood at `knownAt` (a position, or an instant compared with recordedAt): the live
   * one when that is now, else one replayed to that position (a few are kept for repeated questions).
   */
  async engineAt(knownAt?: number | string): Promise<Engine> {
    if (knownAt === undefined) return this.engine;
    const head = this.engine.position;
    const position = typeof knownAt === 'number' ? Math.min(knownAt, head) : await this.positionAt(knownAt);
    if (position >= head) return this.engine;
    let engine = this.#past.get(position);
    if (!engine) {
      engine = (async () => {
        // Start from the saved checkpoint when it lies at or before the position: replay only the gap.
        const start = await this.#restoreAtOrBefore(position);
        const replay = new Projector(this.store, start ?? new EngineClass());
        await replay.catchUp(position);
        return replay.engine;
      })();
      this.#past.set(position, engine);
      if (this.#past.size > this.#cacheSize) this.#past.delete(this.#past.keys().next().value!);
    }
    return engine;
  }

  /** The last position recorded at or before an instant (0 when none). recordedAt never decreases along the log. */
  async positionAt(instant: string): Promise<number> {
    const at = Date.parse(instant);
    let lo = 0;
    let hi = this.engine.position;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const [e] = (await this.store.readAll({ after: mid - 1, limit: 1 })).events;
      if (e && Date.parse(e.recordedAt) <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Answers an indicator query (see `IndicatorQuery`), as the log stood at its `knownAt` if given. */
  async indicator(input: unknown): Promise<IndicatorResult> {
    const q = parseIndicatorQuery(input, this.clock);
    return answerParsed(await this.engineAt(q.knownAt), q);
  }

  /** Drills an indicator down to contributing units and the positions of the events behind it. */
  async explain(input: unknown): Promise<Explanation> {
    const q = parseIndicatorQuery(input, this.clock);
    return explainIndicator(await this.engineAt(q.knownAt), input, this.clock);
  }

  /** Evaluates one target of a directive (see `TargetQuery`); `asOf` defaults to today by the clock. */
  async target(input: unknown): Promise<TargetEvaluation> {
    const q = TargetQuery.safeParse(input);
    if (!q.success) throw new InvalidQueryError(issuesFromZod('', q.error));
    const engine = await this.engineAt(q.data.knownAt);
    const asOf = q.data.asOf === undefined ? dayOfInstant(this.clock.now()) : dayFromDate(q.data.asOf);
    return evaluateTarget(engine, q.data.directive, q.data.targetId, asOf, viewIndex(q.data.view));
  }

  /** A directive with its cascade (what it implements, what implements it) and every target's status. */
  async directive(
    id: string,
    options: { asOf?: string; view?: 'as-was' | 'as-is'; knownAt?: number | string } = {},
  ) {
    const engine = await this.engineAt(options.knownAt);
    const asOf = options.asOf === undefined ? dayOfInstant(this.clock.now()) : dayFromDate(options.asOf);
    const view = viewIndex(options.view ?? 'as-was');
    const cascade = directiveCascade(engine, id, asOf, view);
    const targets = [...engine.records.directives.get(id)!.targets.keys()].map((t) =>
      evaluateTarget(engine, id, t, asOf, view),
    );
    return { ...cascade, targets, position: engine.position };
  }

  /** A recorded inspection (who, whom, when, the window examined, findings), as the log stood at `knownAt`. */
  async inspection(id: string, options: { knownAt?: number | string } = {}) {
    return describeInspection(await this.engineAt(options.knownAt), id);
  }

  /** Saves the projections as a checkpoint at their current position; returns that position and the size. */
  async checkpoint(): Promise<{ position: number; bytes: number }> {
    const store = this.#checkpoints;
    if (!store) throw new Error('this ledger has no checkpoint store');
    return this.projector.withEngine(async (engine) => {
      const position = engine.position;
      const [event] =
        position === 0 ? [] : (await this.store.readAll({ after: position - 1, limit: 1 })).events;
      const bytes = snapshotEngine(engine, { position, eventId: event?.id ?? null });
      await store.saveCheckpoint(this.#checkpointName, position, bytes);
      return { position, bytes: bytes.byteLength };
    });
  }

  /** The saved checkpoint as an engine, when it fits this log and lies at or before `position`. */
  async #restoreAtOrBefore(position: number): Promise<Engine | undefined> {
    const store = this.#checkpoints;
    if (!store) return undefined;
    if (store.checkpointPosition) {
      const at = await store.checkpointPosition(this.#checkpointName).catch(() => undefined);
      if (at === undefined || at > position) return undefined;
    }
    // An unreadable checkpoint (a part missing, say) is no checkpoint: the log answers instead.
    const saved = await store.loadCheckpoint(this.#checkpointName).catch(() => undefined);
    if (!saved) return undefined;
    try {
      const { version, mark } = checkpointMark(saved.state);
      if (version !== PROJECTION_VERSION || mark.position > position) return undefined;
      const [event] =
        mark.position === 0 ? [] : (await this.store.readAll({ after: mark.position - 1, limit: 1 })).events;
      return (event?.id ?? null) === mark.eventId ? restoreEngine(saved.state) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Restores the saved checkpoint when it fits this log and this engine version; otherwise refolds. */
  async #restore(): Promise<Engine | undefined> {
    const store = this.#checkpoints;
    if (!store) return undefined;
    let saved: Awaited<ReturnType<CheckpointStore['loadCheckpoint']>>;
    try {
      saved = await store.loadCheckpoint(this.#checkpointName);
    } catch (error) {
      // Refold rather than refuse to open: the log is the truth, a checkpoint only a shortcut.
      this.checkpointOutcome = { used: false, reason: `checkpoint unreadable: ${(error as Error).message}` };
      return undefined;
    }
    if (!saved) {
      this.checkpointOutcome = { used: false, reason: 'no checkpoint saved yet' };
      return undefined;
    }
    const started = Date.now();
    try {
      const { version, mark } = checkpointMark(saved.state);
      if (version !== PROJECTION_VERSION) throw new Error(`it was written by projection version ${version}`);
      const head = await this.store.head();
      if (mark.position > head)
        throw new Error(`it is at position ${mark.position}, beyond the log's head ${head}`);
      const [event] =
        mark.position === 0 ? [] : (await this.store.readAll({ after: mark.position - 1, limit: 1 })).events;
      if ((event?.id ?? null) !== mark.eventId)
        throw new Error(`the event at position ${mark.position} is not the one it was taken after`);
      const engine = restoreEngine(saved.state);
      this.checkpointOutcome = { used: true, position: mark.position, restoreMs: Date.now() - started };
      return engine;
    } catch (error) {
      this.checkpointOutcome = { used: false, reason: `checkpoint ignored: ${(error as Error).message}` };
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.projector.stop();
  }

  /** A batch whose events all carry ids already stored is a retry: the store answers it with the originals. */
  async #asRetry(
    writes: readonly StreamWrite[],
    prepared: ReturnType<typeof validateBatch>,
  ): Promise<AppendResult | undefined> {
    const events = prepared.flatMap((w) => w.events);
    if (events.length === 0 || events.some((e) => e.id === undefined)) return undefined;
    const stored = await this.store.getEvents(events.map((e) => e.id!));
    if (stored.size === 0) return undefined;
    // Stored corrections carry the `previous` the ledger filled in; a retry without it means the same event.
    const completed = writes.map((w) => ({
      ...w,
      events: w.events.map((e) => {
        const s = e.id === undefined ? undefined : stored.get(e.id);
        const data = e.data as { previous?: unknown } | undefined;
        if (!s || !data || data.previous !== undefined || !('previous' in (s.data as object))) return e;
        return { ...e, data: { ...data, previous: (s.data as { previous: unknown }).previous } };
      }),
    }));
    return this.store.appendBatch(completed);
  }

  /** The writes completed with `previous` facts and guarded by the versions of the streams they depend on. */
  #guarded(writes: readonly StreamWrite[], previous: ReadonlyMap<string, ActivityFacts>, view: BatchView) {
    const guards = new Map<string, ExpectedVersion>();
    const newActivities = new Map<string, string>();
    for (const stream of view.dependsOn) guards.set(stream, this.engine.streamVersions.get(stream) ?? 0);
    // Per write, the events of its stream in it and in the batch's later writes: a stream may have several.
    const fromHere: number[] = [];
    const left = new Map<string, number>();
    for (let wi = writes.length - 1; wi >= 0; wi--) {
      const w = writes[wi]!;
      fromHere[wi] = (left.get(w.stream) ?? 0) + w.events.length;
      left.set(w.stream, fromHere[wi]!);
    }
    const seen = new Set<string>();
    const final: StreamWrite[] = writes.map((w, wi) => {
      const events = w.events.map((e, ei) => {
        const facts = previous.get(`writes.${wi}.events.${ei}`);
        return facts === undefined ? e : { ...e, data: { ...(e.data as object), previous: facts } };
      });
      const first = events[0];
      let expected = w.expectedVersion;
      // A stream's first write carries its guard; the store checks its later writes against that one.
      const guarded = expected === undefined && !seen.has(w.stream);
      seen.add(w.stream);
      if (guarded && first?.type === 'activity.recorded') {
        expected = 'no-stream';
        guards.set(w.stream, expected);
        newActivities.set(w.stream, `writes.${wi}.events.0`);
      } else if (guarded && (first?.type === 'activity.corrected' || first?.type === 'activity.voided')) {
        const id = (first.data as { activityId: string }).activityId;
        // The view holds the activity after this batch; the stream stood that many events earlier.
        const version = view.activities.get(id)?.version;
        if (version !== undefined && w.stream === activityStream(id)) {
          expected = version - fromHere[wi]!;
          guards.set(w.stream, expected);
        }
      } else if (guarded && guards.has(w.stream)) {
        expected = guards.get(w.stream);
      }
      return { ...w, events, expectedVersion: expected };
    });
    const written = new Set(writes.map((w) => w.stream));
    for (const [stream, version] of guards) {
      if (!written.has(stream)) final.push({ stream, events: [], expectedVersion: version });
    }
    return { final, guards, newActivities };
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

export type { StoredEvent };
