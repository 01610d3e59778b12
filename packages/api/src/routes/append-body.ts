import {
  type EventInput,
  type ExpectedVersion,
  InvalidEventError,
  type Issue,
  prepareEvent,
  type StreamWrite,
} from '@chitieu/core';
import type { LocatedEvent } from '../auth/write-scope.ts';
import { problems } from '../problem.ts';

/** A POST /v1/events body: events each routed to their own stream, or explicit writes per stream. */
export type AppendBody =
  | { readonly kind: 'events'; readonly events: readonly EventInput[] }
  | { readonly kind: 'writes'; readonly writes: readonly StreamWrite[] };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const EXPECTED = new Set(['any', 'no-stream', 'stream-exists']);
const isExpected = (v: unknown): v is ExpectedVersion =>
  (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'string' && EXPECTED.has(v));

/**
 * Checks the envelope of a POST body (a 400 when it is wrong: that is the request, not the events) and
 * counts its events against the limit. The events themselves are the core's to judge.
 */
export const parseAppendBody = (body: unknown, maxEvents: number): AppendBody => {
  const issues: Issue[] = [];
  const fail = (path: string, rule: string, message: string): void => {
    issues.push({ path, rule, message });
  };
  if (!isObject(body)) throw problems.invalidParameter('', 'invalid_type', 'the body must be a JSON object');
  const keys = Object.keys(body);
  for (const k of keys)
    if (k !== 'events' && k !== 'writes') fail(k, 'unrecognized_key', 'not a field of this body');
  const has = (k: string) => keys.includes(k);
  if (has('events') === has('writes'))
    fail('', 'invalid_union', 'give either `events` or `writes`, not both');
  let count = 0;
  if (has('events') && !Array.isArray(body.events))
    fail('events', 'invalid_type', 'must be an array of events');
  if (Array.isArray(body.events)) count += body.events.length;
  if (has('writes')) {
    if (!Array.isArray(body.writes)) fail('writes', 'invalid_type', 'must be an array of writes');
    else
      body.writes.forEach((w, i) => {
        const at = `writes.${i}`;
        if (!isObject(w)) {
          fail(at, 'invalid_type', 'must be an object { stream, events, expectedVersion? }');
          return;
        }
        for (const k of Object.keys(w))
          if (!['stream', 'events', 'expectedVersion'].includes(k))
            fail(`${at}.${k}`, 'unrecognized_key', 'not a field of a write');
        if (typeof w.stream !== 'string' || w.stream === '')
          fail(`${at}.stream`, 'invalid_type', 'must be a stream name');
        if (!Array.isArray(w.events)) fail(`${at}.events`, 'invalid_type', 'must be an array of events');
        else count += w.events.length;
        if (w.expectedVersion !== undefined && !isExpected(w.expectedVersion))
          fail(
            `${at}.expectedVersion`,
            'invalid_value',
            "must be a version (0 or more), 'any', 'no-stream' or 'stream-exists'",
          );
      });
  }
  if (issues.length === 0 && count === 0) fail('', 'too_small', 'the body holds no events');
  if (count > maxEvents) fail('', 'too_big', `at most ${maxEvents} events per request; split the batch`);
  if (issues.length > 0) throw problems.invalidRequest(issues);
  return has('events')
    ? { kind: 'events', events: body.events as EventInput[] }
    : { kind: 'writes', writes: body.writes as StreamWrite[] };
};

/**
 * Runs the catalogue's stateless checks on every event, with paths into the body, so that authorisation
 * can read typed data; throws the core's InvalidEventError (422) when any event fails them.
 */
export const prepareAll = (body: AppendBody): LocatedEvent[] => {
  const located: LocatedEvent[] = [];
  const issues: Issue[] = [];
  const take = (input: unknown, path: string) => {
    const p = prepareEvent(input, path);
    if (p.ok) located.push({ path, event: p.event });
    else issues.push(...p.issues);
  };
  if (body.kind === 'events') {
    for (const [i, e] of body.events.entries()) take(e, `events.${i}`);
  } else {
    for (const [wi, w] of body.writes.entries())
      for (const [ei, e] of w.events.entries()) take(e, `writes.${wi}.events.${ei}`);
  }
  if (issues.length > 0) throw new InvalidEventError(issues);
  return located;
};
