/**
 * Expected failures are values with a stable `code`, so callers (the API's problem mapper, embedders) can
 * switch on them without parsing messages. Anything thrown that is not a `ChitieuError` is a bug.
 */

/** One broken rule: where (a dotted path into the submitted batch) and which rule. */
export interface Issue {
  /** Path into the submitted input, e.g. `events.3.data.quantity`. */
  readonly path: string;
  /** A stable rule name, e.g. `too_small`, `unknown_unit`, `parent_dissolved`. */
  readonly rule: string;
  readonly message: string;
}

export type ErrorCode =
  | 'invalid_event'
  | 'version_conflict'
  | 'id_reused'
  | 'not_found'
  | 'invalid_query'
  | 'store_closed'
  | 'checkpoint_corrupt';

export abstract class ChitieuError extends Error {
  abstract readonly code: ErrorCode;
}

/** The batch broke schema or domain rules; nothing was appended. */
export class InvalidEventError extends ChitieuError {
  readonly code = 'invalid_event' as const;
  constructor(readonly issues: readonly Issue[]) {
    super(
      `${issues.length} invalid: ${issues
        .slice(0, 3)
        .map((i) => `${i.path || '(root)'}: ${i.message}`)
        .join('; ')}${issues.length > 3 ? '; …' : ''}`,
    );
    this.name = 'InvalidEventError';
  }
}

/** A stream's version was not the one the writer expected; nothing was appended. */
export class VersionConflictError extends ChitieuError {
  readonly code = 'version_conflict' as const;
  constructor(
    readonly stream: string,
    readonly expected: ExpectedVersionDescription,
    readonly actual: number,
  ) {
    super(`stream '${stream}' is at version ${actual}, expected ${String(expected)}`);
    this.name = 'VersionConflictError';
  }
}
export type ExpectedVersionDescription = number | 'no-stream' | 'stream-exists';

/** An event id is already stored with other content, or a batch mixes a retry with new events. */
export class IdReusedError extends ChitieuError {
  readonly code = 'id_reused' as const;
  constructor(
    readonly id: string,
    readonly position: number,
    readonly reason: 'different_content' | 'partial_retry',
    readonly path: string,
  ) {
    super(
      reason === 'different_content'
        ? `${path}: id ${id} is already stored at position ${position} with different content`
        : `${path}: id ${id} is already stored at position ${position}; a batch must be wholly new or a retry of a whole earlier append`,
    );
    this.name = 'IdReusedError';
  }
}

/** A referenced thing (unit, directive, indicator, stream) does not exist. */
export class NotFoundError extends ChitieuError {
  readonly code = 'not_found' as const;
  constructor(
    readonly kind: string,
    readonly key: string,
    message?: string,
  ) {
    super(message ?? `${kind} '${key}' not found`);
    this.name = 'NotFoundError';
  }
}

/** A query named an impossible combination (bad period, unknown dimension…). */
export class InvalidQueryError extends ChitieuError {
  readonly code = 'invalid_query' as const;
  constructor(readonly issues: readonly Issue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'InvalidQueryError';
  }
}

export class StoreClosedError extends ChitieuError {
  readonly code = 'store_closed' as const;
  constructor() {
    super('the event store is closed');
    this.name = 'StoreClosedError';
  }
}

/** A checkpoint whose stored parts do not add up (a part missing or out of place): it cannot be used. */
export class CheckpointCorruptError extends ChitieuError {
  readonly code = 'checkpoint_corrupt' as const;
  constructor(name: string, detail: string) {
    super(`checkpoint '${name}' is corrupt: ${detail}`);
    this.name = 'CheckpointCorruptError';
  }
}

export const isChitieuError = (e: unknown): e is ChitieuError => e instanceof ChitieuError;
