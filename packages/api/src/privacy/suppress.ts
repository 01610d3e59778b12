import type { IndicatorResult, Measured, ResultRow, TargetEvaluation } from '@chitieu/core';

/**
 * Small-number suppression for published counts of distinct people.
 *
 * Primary: a people count from 1 to `threshold - 1` is published as `null` with a reason; 0 is published
 * (it says nobody took part, which identifies no one). It applies to the `people` indicator's value and to
 * `participation-rate`, whose numerator is a people count (value and numerator go; the denominator, a
 * headcount, stays).
 *
 * Secondary: in a breakdown, the total minus the published rows must not reveal the suppressed ones. As
 * long as the suppressed rows add up to fewer than `threshold` people (a single suppressed row always
 * does), the smallest published non-zero row is suppressed too, and so on. Distinct counts do not add up
 * (a person can be in two rows), but treating them as if they did is the cautious reading.
 *
 * Everyone, admin tokens included, gets suppressed figures over HTTP: answers are cached, exported and
 * passed on, and whoever needs the exact small numbers has the log itself.
 */

export interface SuppressionOptions {
  /** The smallest count published; default 5. 0 or 1 turns suppression off. */
  readonly threshold: number;
}

type Counted = 'people' | 'participation-rate';
const COUNTED = new Set<string>(['people', 'participation-rate']);

/** The people count behind a measured value, when it has one. */
const peopleCount = (indicator: Counted, m: Measured): number | null =>
  indicator === 'people' ? m.value : ((m.detail?.numerator as number | null | undefined) ?? null);

const isSmall = (n: number | null, threshold: number) => n !== null && n > 0 && n < threshold;

const reasonPrimary = (t: number) => `suppressed: fewer than ${t} people`;
const reasonSecondary = (t: number) =>
  `suppressed: with the other rows and the total it would reveal a count of fewer than ${t} people`;

/** The measured value with its people count (and anything it can be derived from) removed. */
const withheld = <M extends Measured>(indicator: Counted, m: M, reason: string): M => {
  const { exact: _e, relativeError: _r, detail, ...rest } = m;
  const kept = indicator === 'participation-rate' && detail ? { detail: { ...detail, numerator: null } } : {};
  return { ...rest, ...kept, value: null, reason, suppressed: true } as unknown as M;
};

/** Applies primary then secondary suppression to the rows of a breakdown (the total is handled apart). */
const suppressRows = (
  indicator: Counted,
  rows: readonly ResultRow[],
  threshold: number,
  totalPublished: boolean,
): ResultRow[] => {
  const counts = rows.map((r) => peopleCount(indicator, r));
  const hidden = new Set(counts.flatMap((n, i) => (isSmall(n, threshold) ? [i] : [])));
  const secondary = new Set<number>();
  if (totalPublished && hidden.size > 0) {
    let sum = [...hidden].reduce((s, i) => s + counts[i]!, 0);
    const candidates = counts
      .map((n, i) => ({ n, i }))
      .filter(({ n, i }) => n !== null && n > 0 && !hidden.has(i))
      .sort((a, b) => a.n! - b.n! || a.i - b.i);
    for (const { n, i } of candidates) {
      if (sum >= threshold) break;
      secondary.add(i);
      sum += n!;
    }
  }
  return rows.map((r, i) =>
    hidden.has(i)
      ? withheld(indicator, r, reasonPrimary(threshold))
      : secondary.has(i)
        ? withheld(indicator, r, reasonSecondary(threshold))
        : r,
  );
};

/** An indicator answer as it may be published: small people counts withheld in the total and the rows. */
export const suppressIndicator = (result: IndicatorResult, options: SuppressionOptions): IndicatorResult => {
  if (!COUNTED.has(result.indicator) || options.threshold <= 1) return result;
  const indicator = result.indicator as Counted;
  const small = isSmall(peopleCount(indicator, result), options.threshold);
  const total = small ? withheld(indicator, result, reasonPrimary(options.threshold)) : result;
  if (result.rows === undefined) return total;
  return { ...total, rows: suppressRows(indicator, result.rows, options.threshold, !small) };
};

/** The people count a target compares, when its measure (or numerator) counts distinct people. */
const targetCounts = (t: TargetEvaluation['target']): 'value' | 'numerator' | undefined => {
  if (t.kind === 'minimum-count' && t.measure.measure === 'people') return 'value';
  if ((t.kind === 'ratio-band' || t.kind === 'population-share') && t.numerator.measure === 'people')
    return 'numerator';
  return undefined;
};

const withholdVerdict = <V extends { value: number | null; detail?: Readonly<Record<string, unknown>> }>(
  v: V,
  where: 'value' | 'numerator',
  threshold: number,
): V => {
  const n = where === 'value' ? v.value : ((v.detail?.numerator as number | null | undefined) ?? null);
  if (!isSmall(n, threshold)) return v;
  return {
    ...v,
    value: null,
    ...(v.detail ? { detail: { ...v.detail, numerator: null } } : {}),
    reason: reasonPrimary(threshold),
    suppressed: true,
  };
};

/**
 * A target evaluation as it may be published: for targets measured in distinct people, small counts are
 * withheld in each unit's verdict, or in the aggregate of a target taken over the whole scope (a per-unit
 * target's aggregate is a share of units, not a count). Statuses stay: they bound a count, never state it.
 */
export const suppressTarget = (e: TargetEvaluation, options: SuppressionOptions): TargetEvaluation => {
  const where = targetCounts(e.target);
  if (where === undefined || options.threshold <= 1) return e;
  if (e.units === undefined) return withholdVerdict(e, where, options.threshold);
  return { ...e, units: e.units.map((u) => withholdVerdict(u, where, options.threshold)) };
};

/** Whether a target's evaluation can carry a people count (and so must pass through `suppressTarget`). */
export const countsPeople = (t: TargetEvaluation['target']): boolean => targetCounts(t) !== undefined;
