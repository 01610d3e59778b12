import type { Ledger } from '@chitieu/core';
import type { Freshness } from '../http/caching.ts';

/**
 * The position an answer will reflect, known before computing it: `knownAt` as a position pins the answer
 * (at or below the head it can never change); an instant or no `knownAt` follows the live head.
 */
export const freshnessBefore = (ledger: Ledger, knownAt: number | string | undefined): Freshness => {
  const live = ledger.engine.position;
  if (typeof knownAt === 'number') return { position: Math.min(knownAt, live), pinned: knownAt <= live };
  return { position: live };
};

/**
 * The freshness to label the answer with. A live answer may reflect a later position than the one checked
 * (the follower moved on meanwhile), so its own position counts. An instant keeps the live position checked
 * before: the answer reflects an earlier one, but the label must be computable without resolving the instant.
 */
export const freshnessAfter = (
  before: Freshness,
  knownAt: number | string | undefined,
  answered: number,
): Freshness => (knownAt === undefined ? { position: answered } : before);
