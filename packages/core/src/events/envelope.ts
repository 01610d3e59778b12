import { z } from 'zod';
import type { Issue } from '../errors.ts';
import { normaliseWorldTime } from '../time/civil.ts';
import {
  definitionOf,
  EVENT_TYPES,
  type EventDataMap,
  type EventType,
  isEventType,
  schemaAt,
  upcastData,
} from './catalogue.ts';
import { Text, Ulid, WorldTimeString } from './primitives.ts';

/** Where a fact came from and who recorded it. */
export const Meta = z.strictObject({
  /** The source document, e.g. `15-BC/ĐTN ngày 08/7/2022`. */
  source: z.string().min(1).max(300).optional(),
  actor: z.string().min(1).max(120).optional(),
  note: Text.optional(),
  correlationId: z.string().min(1).max(120).optional(),
  causationId: z.string().min(1).max(120).optional(),
});
export type Meta = z.infer<typeof Meta>;

/** An event as a client submits it. `id`, `schemaVersion` and `stream` may be left for chitieu to fill. */
export const EventInputSchema = z.strictObject({
  id: Ulid.optional().describe('client-supplied for safe retries; generated when absent'),
  type: z.string().min(1).describe('one of the types below'),
  schemaVersion: z.number().int().positive().optional().describe("defaults to the type's current version"),
  stream: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('derived from the data when absent; must match it when given'),
  occurredAt: WorldTimeString.describe('date, instant with offset, or local date-time (Vietnamese time)'),
  data: z.unknown().describe("the type's fields, below"),
  meta: Meta.optional().describe('source document, actor, note, correlation and causation ids'),
});

export type EventInput = {
  id?: string | undefined;
  type: string;
  schemaVersion?: number | undefined;
  stream?: string | undefined;
  occurredAt: string;
  data: unknown;
  meta?: Meta | undefined;
};

/** An input that passed the catalogue: data parsed (defaults applied) at its schema version, stream known. */
export interface PreparedEvent {
  readonly id: string | undefined;
  readonly type: EventType;
  readonly schemaVersion: number;
  readonly stream: string;
  readonly occurredAt: string;
  readonly data: unknown;
  readonly meta: Meta | undefined;
}

/** An event as the log holds it, lifted to the current schema version. */
export type StoredEvent<T extends EventType = EventType> = {
  [K in T]: {
    readonly id: string;
    readonly type: K;
    /** The version the event was written at; `data` is always in the current shape. */
    readonly schemaVersion: number;
    readonly stream: string;
    /** 1-based position in its stream. */
    readonly version: number;
    /** 1-based, gap-free position in the whole log. */
    readonly position: number;
    readonly occurredAt: string;
    /** When the store acknowledged it (UTC instant). */
    readonly recordedAt: string;
    readonly data: EventDataMap[K];
    readonly meta?: Meta;
  };
}[T];

/** The raw row a store keeps: data at the version it was written. */
export interface RawStoredEvent {
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly stream: string;
  readonly version: number;
  readonly position: number;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly data: unknown;
  readonly meta?: Meta | undefined;
}

const joinPath = (prefix: string, path: readonly PropertyKey[]): string => {
  let out = prefix;
  for (const p of path) {
    const part = String(p);
    if (part !== '') out = out === '' ? part : `${out}.${part}`;
  }
  return out;
};

/** zod's issues as chitieu issues: a dotted path into the batch and a stable rule name. */
export const issuesFromZod = (prefix: string, error: z.ZodError): Issue[] =>
  error.issues.map((i) => ({
    path: joinPath(prefix, i.path),
    rule: i.code === 'custom' ? 'invalid' : i.code,
    message: i.message,
  }));

/**
 * Validates one submitted event against the envelope and the catalogue, without looking at any state.
 * Returns the prepared event, or the issues found (with paths under `prefix`).
 */
export const prepareEvent = (
  input: unknown,
  prefix: string,
): { ok: true; event: PreparedEvent } | { ok: false; issues: Issue[] } => {
  const env = EventInputSchema.safeParse(input);
  if (!env.success) return { ok: false, issues: issuesFromZod(prefix, env.error) };
  const { type, data } = env.data;
  if (!isEventType(type)) {
    return {
      ok: false,
      issues: [
        {
          path: joinPath(prefix, ['type']),
          rule: 'unknown_type',
          message: `unknown event type '${type}'; known types: ${EVENT_TYPES.join(', ')}`,
        },
      ],
    };
  }
  const def = definitionOf(type);
  const version = env.data.schemaVersion ?? def.version;
  const schema = schemaAt(type, version);
  if (!schema) {
    return {
      ok: false,
      issues: [
        {
          path: joinPath(prefix, ['schemaVersion']),
          rule: 'unknown_version',
          message: `${type} has schema versions 1 to ${def.version}`,
        },
      ],
    };
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) return { ok: false, issues: issuesFromZod(joinPath(prefix, ['data']), parsed.error) };
  // Paths are spelled out only when something is wrong: this runs for every appended event.
  if (hasUnstorable(parsed.data) || (env.data.meta !== undefined && hasUnstorable(env.data.meta))) {
    const issues = findUnstorable(parsed.data, joinPath(prefix, ['data']));
    if (env.data.meta !== undefined)
      issues.push(...findUnstorable(env.data.meta, joinPath(prefix, ['meta'])));
    return { ok: false, issues };
  }
  const current = version === def.version ? parsed.data : upcastData(type, version, parsed.data);
  const stream = (def.stream as (d: unknown) => string)(current);
  if (env.data.stream !== undefined && env.data.stream !== stream) {
    return {
      ok: false,
      issues: [
        {
          path: joinPath(prefix, ['stream']),
          rule: 'wrong_stream',
          message: `${type} events belong to stream '${stream}'`,
        },
      ],
    };
  }
  return {
    ok: true,
    event: {
      id: env.data.id,
      type,
      schemaVersion: version,
      stream,
      occurredAt: normaliseWorldTime(env.data.occurredAt),
      data: parsed.data,
      meta: env.data.meta,
    },
  };
};

// NUL and unpaired surrogates cannot be stored by every store (PostgreSQL's JSONB refuses them), so no
// store may accept them: one log must be movable to any store.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NUL = String.fromCharCode(0);
const UNSTORABLE = { test: (s: string) => s.includes(NUL) || LONE_SURROGATE.test(s) };

/**
 * Whether any string in a value (or any key) contains NUL or an unpaired surrogate: the check every
 * appended event pays, with nothing allocated. {@link findUnstorable} says where.
 */
export const hasUnstorable = (v: unknown): boolean => {
  if (typeof v === 'string') return UNSTORABLE.test(v);
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (hasUnstorable(v[i])) return true;
    return false;
  }
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    if (UNSTORABLE.test(k) || hasUnstorable((v as Record<string, unknown>)[k])) return true;
  }
  return false;
};

/** Strings in a value that contain NUL or an unpaired surrogate, as issues at their paths. */
export const findUnstorable = (value: unknown, path: string): Issue[] => {
  // Runs when {@link hasUnstorable} found something (and in tests): a path is only spelled out at an issue.
  const issues: Issue[] = [];
  const keys: (string | number)[] = [];
  const here = () => [path, ...keys].join('.');
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v))
        issues.push({
          path: here(),
          rule: 'unstorable_text',
          message: 'contains NUL or an unpaired UTF-16 surrogate',
        });
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        keys.push(i);
        walk(v[i]);
        keys.pop();
      }
      return;
    }
    for (const k of Object.keys(v)) {
      keys.push(k);
      if (UNSTORABLE.test(k))
        issues.push({
          path: here(),
          rule: 'unstorable_text',
          message: 'key contains NUL or an unpaired surrogate',
        });
      walk((v as Record<string, unknown>)[k]);
      keys.pop();
    }
  };
  walk(value);
  return issues;
};

/** Lifts a raw stored row to the current schema of its type. */
export const upcast = (raw: RawStoredEvent): StoredEvent => {
  if (!isEventType(raw.type)) throw new Error(`stored event ${raw.id} has unknown type '${raw.type}'`);
  const def = definitionOf(raw.type);
  const data =
    raw.schemaVersion === def.version ? raw.data : upcastData(raw.type, raw.schemaVersion, raw.data);
  const event = { ...raw, data };
  if (raw.meta === undefined) delete (event as { meta?: unknown }).meta;
  return event as StoredEvent;
};

/** JSON with object keys sorted, so two events with the same content serialise identically. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );

/** The content that idempotency compares: everything the writer chose, nothing the store assigned. */
export const contentOf = (e: {
  type: string;
  schemaVersion: number;
  stream: string;
  occurredAt: string;
  data: unknown;
  meta?: Meta | undefined;
}): string =>
  canonicalJson({
    type: e.type,
    schemaVersion: e.schemaVersion,
    stream: e.stream,
    occurredAt: e.occurredAt,
    data: e.data,
    meta: e.meta ?? null,
  });
