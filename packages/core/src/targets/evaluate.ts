import type { ViewIndex } from '../engine/activity-cube.ts';
import type { Engine } from '../engine/engine.ts';
import type { DirectiveRecord } from '../engine/records.ts';
import { NotFoundError } from '../errors.ts';
import type { Target } from '../events/targets.ts';
import { adoptedBy, cadence } from '../indicators/measures.ts';
import type { TargetStatus } from '../indicators/query.ts';
import type { DayRange } from '../indicators/scope.ts';
import { civilFromDay, dateFromDay, dayFromDate, worldTime } from '../time/civil.ts';
import { bindUnits, takeAggregate, takeMeasure } from './target-scope.ts';

export interface UnitVerdict {
  readonly unit: string;
  readonly name: string;
  readonly status: TargetStatus;
  readonly value: number | null;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface TargetEvaluation {
  readonly directive: { readonly id: string; readonly number: string; readonly title: string };
  readonly target: Target;
  readonly asOf: string;
  readonly period: { readonly from: string; readonly to: string };
  readonly deadline: string;
  readonly status: TargetStatus;
  /** The aggregate value compared (a share, a count, a growth rate…); null with a reason when unknown. */
  readonly value: number | null;
  readonly required: Readonly<Record<string, number>>;
  readonly reason?: string;
  readonly detail?: Readonly<Record<string, unknown>>;
  /** For targets that bind each unit: one verdict per unit. */
  readonly units?: readonly UnitVerdict[];
  readonly summary?: {
    readonly met: number;
    readonly of: number;
    readonly byStatus: Readonly<Record<TargetStatus, number>>;
  };
  readonly position: number;
}

interface Frame {
  readonly engine: Engine;
  readonly directive: DirectiveRecord;
  readonly view: ViewIndex;
  /** The target's period and deadline, as days. */
  readonly from: number;
  readonly to: number;
  readonly deadline: number;
  readonly asOf: number;
  /** The part of the period observed so far: [from, min(asOf, deadline)]. */
  readonly window: DayRange;
  readonly final: boolean;
  /** The share of the period elapsed (1 when final). */
  readonly elapsed: number;
}

const verdict = (frame: Frame, done: boolean, onTrack: boolean): TargetStatus =>
  frame.final ? (done ? 'met' : 'not-met') : done ? 'met' : onTrack ? 'on-track' : 'at-risk';

/** Before the deadline a value that can still move (a ratio, an attainment) is on track or at risk, never met. */
const softVerdict = (frame: Frame, ok: boolean): TargetStatus =>
  frame.final ? (ok ? 'met' : 'not-met') : ok ? 'on-track' : 'at-risk';

const unitName = (engine: Engine, u: number, day: number) => engine.hierarchy.nameAt(u, day);

const summarise = (units: readonly UnitVerdict[]) => {
  const byStatus: Record<TargetStatus, number> = {
    met: 0,
    'not-met': 0,
    'on-track': 0,
    'at-risk': 0,
    'no-data': 0,
  };
  for (const u of units) byStatus[u.status] += 1;
  return { met: byStatus.met, of: units.length, byStatus };
};

/** Evaluates one unit against a per-unit target. */
const evaluateUnit = (
  frame: Frame,
  target: Target,
  u: number,
): { status: TargetStatus; value: number | null; detail?: Record<string, unknown> } => {
  const { engine, view, window } = frame;
  const scope = { node: u, view, ranges: [window], ownOnly: false } as const;
  switch (target.kind) {
    case 'cadence': {
      const r = cadence(engine, scope, {
        kind: target.activityKind,
        min: target.min,
        per: target.per,
        ...(target.channel ? { channel: target.channel } : {}),
      });
      if (r.value === null) return { status: 'no-data', value: null, detail: { reason: r.reason } };
      return {
        status: softVerdict(frame, r.value >= target.attainment),
        value: r.value,
        detail: r.detail as Record<string, unknown>,
      };
    }
    case 'minimum-count': {
      const r = takeMeasure(engine, target.measure, scope);
      if (r.value === null) return { status: 'no-data', value: null };
      return {
        status: verdict(frame, r.value >= target.min, r.value >= target.min * frame.elapsed),
        value: r.value,
      };
    }
    case 'ratio-band':
    case 'population-share': {
      const num = takeMeasure(engine, target.numerator, scope);
      const den = takeMeasure(engine, target.denominator, scope);
      if (num.value === null || den.value === null || den.value === 0) {
        return { status: 'no-data', value: null, detail: { numerator: num.value, denominator: den.value } };
      }
      const v = num.value / den.value;
      const ok =
        (target.min === undefined || v >= target.min) &&
        (target.kind === 'population-share' || target.max === undefined || v <= target.max);
      return {
        status: softVerdict(frame, ok),
        value: v,
        detail: { numerator: num.value, denominator: den.value },
      };
    }
    case 'growth': {
      const g = growthOf(frame, target, [u]);
      return { status: g.status, value: g.value, detail: g.detail };
    }
    case 'report-deadline': {
      const due = worldTime(target.dueBefore).epochMs;
      const recipient = target.to === undefined ? undefined : engine.hierarchy.indexOf(target.to);
      // Only what was submitted by the as-of day counts: a later report is not yet known to have happened.
      const mine = engine.records.reports.filter(
        (r) =>
          r.unit === u &&
          r.directive === frame.directive.id &&
          r.day <= frame.asOf &&
          (recipient === undefined || r.to === recipient),
      );
      const first = mine.reduce<(typeof mine)[number] | undefined>(
        (a, r) => (a === undefined || r.epochMs < a.epochMs ? r : a),
        undefined,
      );
      const detail = { submitted: first ? dateFromDay(first.day) : null, reportId: first?.reportId ?? null };
      if (first && first.epochMs < due) return { status: 'met', value: 1, detail };
      if (frame.final)
        return { status: 'not-met', value: 0, detail: { ...detail, late: first !== undefined } };
      return { status: 'on-track', value: 0, detail };
    }
    case 'coverage': {
      const met = predicate(frame, target, u);
      return { status: met ? 'met' : frame.final ? 'not-met' : 'at-risk', value: met ? 1 : 0 };
    }
  }
};

/** Whether unit u satisfies a coverage target's predicate in the observed window. */
const predicate = (frame: Frame, target: Extract<Target, { kind: 'coverage' }>, u: number): boolean => {
  const { engine, view, window } = frame;
  const p = target.predicate;
  switch (p.predicate) {
    case 'adopted':
      return adoptedBy(engine, frame.directive.id, u, window[1]);
    case 'reported':
      return engine.records.reports.some(
        (r) => r.unit === u && r.directive === frame.directive.id && r.day >= window[0] && r.day <= window[1],
      );
    case 'activity': {
      const r = takeMeasure(
        engine,
        { measure: 'count', activityKind: p.activityKind, ...(p.channel ? { channel: p.channel } : {}) },
        {
          node: u,
          view,
          ranges: [window],
          ownOnly: false,
        },
      );
      return (r.value ?? 0) >= p.min;
    }
    case 'target-met': {
      const other = frame.directive.targets.get(p.targetId);
      if (!other) return false;
      const s = evaluateUnit(frame, other, u).status;
      return s === 'met' || (!frame.final && s === 'on-track');
    }
  }
};

const yearsBetween = (from: number, to: number) => (to - from) / 365.2425;

const growthOf = (frame: Frame, target: Extract<Target, { kind: 'growth' }>, units: readonly number[]) => {
  const { engine, view } = frame;
  const baselineDay = dayFromDate(target.baseline);
  const base = takeAggregate(engine, target.measure, units, view, [[baselineDay, baselineDay]]);
  const now = takeAggregate(engine, target.measure, units, view, [frame.window]);
  const perYear = { month: 12, quarter: 4, year: 1 }[target.every];
  const steps = (day: number) => yearsBetween(baselineDay, day) * perYear;
  const expectedAt = (day: number) =>
    base.value === null
      ? null
      : target.compounding
        ? base.value * (1 + target.rate) ** steps(day)
        : base.value * (1 + target.rate * steps(day));
  const expected = expectedAt(frame.window[1]);
  const detail = {
    baseline: base.value,
    value: now.value,
    expected,
    expectedAtDeadline: expectedAt(frame.deadline),
  };
  if (base.value === null || now.value === null || expected === null || base.value === 0) {
    return { status: 'no-data' as const, value: null, detail };
  }
  return { status: softVerdict(frame, now.value >= expected), value: now.value / base.value - 1, detail };
};

/** Evaluates a directive's target as of a day: status, the numbers behind it, and per-unit verdicts. */
export const evaluateTarget = (
  engine: Engine,
  directiveId: string,
  targetId: string,
  asOf: number,
  view: ViewIndex,
): TargetEvaluation => {
  const directive = engine.records.directives.get(directiveId);
  if (!directive) throw new NotFoundError('directive', directiveId);
  const target = directive.targets.get(targetId);
  if (!target) throw new NotFoundError('target', `${directiveId}/${targetId}`);
  const period = target.period
    ? { from: dayFromDate(target.period.from), to: dayFromDate(target.period.to) }
    : (directive.period ?? { from: directive.issuedDay, to: civilYearEnd(directive.issuedDay) });
  const by = 'by' in target && target.by !== undefined ? dayFromDate(target.by) : undefined;
  const deadline =
    target.kind === 'report-deadline'
      ? worldTime(target.dueBefore).day - (worldTime(target.dueBefore).precision === 'day' ? 1 : 0)
      : (by ?? period.to);
  const end = Math.min(asOf, deadline);
  const final = asOf >= deadline;
  const elapsed = final
    ? 1
    : Math.max(0, Math.min(1, (end - period.from + 1) / (deadline - period.from + 1)));
  const frame: Frame = {
    engine,
    directive,
    view,
    from: period.from,
    to: period.to,
    deadline,
    asOf,
    window: [period.from, Math.max(period.from, end)],
    final,
    elapsed,
  };
  const bound = bindUnits(engine, directive, target.appliesTo, view, frame.window[1]);
  const base = {
    directive: { id: directive.id, number: directive.number, title: directive.title },
    target,
    asOf: dateFromDay(asOf),
    period: { from: dateFromDay(period.from), to: dateFromDay(period.to) },
    deadline: dateFromDay(deadline),
    position: engine.position,
  };
  const perUnit =
    target.kind === 'cadence'
      ? target.perUnit
      : target.kind === 'coverage' || target.kind === 'report-deadline'
        ? true
        : target.per === 'unit';

  if (!perUnit) {
    const ranges: DayRange[] = [frame.window];
    if (target.kind === 'growth') {
      const g = growthOf(frame, target, bound.units);
      return { ...base, status: g.status, value: g.value, required: { rate: target.rate }, detail: g.detail };
    }
    if (target.kind === 'minimum-count') {
      const v = takeAggregate(engine, target.measure, bound.units, view, ranges);
      if (v.value === null)
        return {
          ...base,
          status: 'no-data',
          value: null,
          required: { min: target.min },
          ...(v.reason ? { reason: v.reason } : {}),
        };
      return {
        ...base,
        status: verdict(frame, v.value >= target.min, v.value >= target.min * elapsed),
        value: v.value,
        required: { min: target.min },
      };
    }
    if (target.kind === 'ratio-band' || target.kind === 'population-share') {
      const num = takeAggregate(engine, target.numerator, bound.units, view, ranges);
      const den = takeAggregate(engine, target.denominator, bound.units, view, ranges);
      const required = {
        ...(target.min === undefined ? {} : { min: target.min }),
        ...(target.kind === 'ratio-band' && target.max !== undefined ? { max: target.max } : {}),
      };
      const detail = { numerator: num.value, denominator: den.value, units: bound.units.length };
      if (num.value === null || den.value === null || den.value === 0) {
        return {
          ...base,
          status: 'no-data',
          value: null,
          required,
          detail,
          reason: den.value === 0 ? 'the denominator is zero' : (den.reason ?? num.reason ?? 'no data'),
        };
      }
      const v = num.value / den.value;
      const ok =
        (target.min === undefined || v >= target.min) &&
        (target.kind === 'population-share' || target.max === undefined || v <= target.max);
      return { ...base, status: softVerdict(frame, ok), value: v, required, detail };
    }
    // A cadence not bound per unit is the cadence of the scope's root.
    const units = bound.root === undefined ? bound.units : [bound.root];
    const results = units.map((u) => evaluateUnit(frame, target, u));
    const met = results.filter((r) => r.status === 'met' || r.status === 'on-track').length;
    const status: TargetStatus =
      results.length === 0
        ? 'no-data'
        : met === results.length
          ? results[0]!.status
          : frame.final
            ? 'not-met'
            : 'at-risk';
    return { ...base, status, value: results[0]?.value ?? null, required: {} };
  }

  const units: UnitVerdict[] = bound.units.map((u) => {
    const r = evaluateUnit(frame, target, u);
    return {
      unit: engine.hierarchy.unit(u).id,
      name: unitName(engine, u, frame.window[1]),
      status: r.status,
      value: r.value,
      ...(r.detail ? { detail: r.detail } : {}),
    };
  });
  const summary = summarise(units);
  if (units.length === 0)
    return {
      ...base,
      status: 'no-data',
      value: null,
      required: {},
      reason: 'no units in scope',
      units,
      summary,
    };
  if (target.kind === 'coverage') {
    const share = summary.met / units.length;
    return {
      ...base,
      status: verdict(frame, share >= target.min, share >= target.min * elapsed),
      value: share,
      required: { min: target.min },
      units,
      summary,
    };
  }
  // Every unit must meet it: the worst verdict stands for the whole.
  const order: TargetStatus[] = ['not-met', 'at-risk', 'no-data', 'on-track', 'met'];
  const status = order.find((s) => summary.byStatus[s] > 0) ?? 'no-data';
  return { ...base, status, value: summary.met / units.length, required: requiredOf(target), units, summary };
};

const requiredOf = (t: Target): Record<string, number> => {
  switch (t.kind) {
    case 'cadence':
      return { min: t.min, attainment: t.attainment };
    case 'minimum-count':
      return { min: t.min };
    case 'ratio-band':
      return {
        ...(t.min === undefined ? {} : { min: t.min }),
        ...(t.max === undefined ? {} : { max: t.max }),
      };
    case 'population-share':
    case 'coverage':
      return { min: t.min };
    case 'growth':
      return { rate: t.rate };
    case 'report-deadline':
      return {};
  }
};

const civilYearEnd = (day: number) => dayFromDate(`${civilFromDay(day).year}-12-31`);

/** A directive with the chain it implements (up) and the plans implementing it (down), each with target statuses. */
export interface CascadeNode {
  readonly id: string;
  readonly number: string;
  readonly kind: string;
  readonly title: string;
  readonly issuer: string;
  readonly issued: string;
  readonly targets: readonly {
    readonly targetId: string;
    readonly kind: string;
    readonly status: TargetStatus;
    readonly value: number | null;
  }[];
  readonly implementedBy: readonly CascadeNode[];
}

export const directiveCascade = (engine: Engine, directiveId: string, asOf: number, view: ViewIndex) => {
  const records = engine.records;
  const directive = records.directives.get(directiveId);
  if (!directive) throw new NotFoundError('directive', directiveId);
  const describe = (d: DirectiveRecord, depth: number, seen: Set<string>): CascadeNode => ({
    id: d.id,
    number: d.number,
    kind: d.kind,
    title: d.title,
    issuer: 'unitId' in d.issuer ? engine.hierarchy.name(d.issuerUnit!) : d.issuer.name,
    issued: dateFromDay(d.issuedDay),
    targets: [...d.targets.keys()].map((t) => {
      const e = evaluateTarget(engine, d.id, t, asOf, view);
      return { targetId: t, kind: e.target.kind, status: e.status, value: e.value };
    }),
    implementedBy:
      depth > 16
        ? []
        : (records.implementedBy.get(d.id) ?? [])
            .filter((id) => !seen.has(id))
            .map((id) => describe(records.directives.get(id)!, depth + 1, new Set([...seen, id]))),
  });
  const up: { id: string; number: string; title: string }[] = [];
  const visit = (d: DirectiveRecord, seen: Set<string>) => {
    for (const parent of d.implements) {
      const p = records.directives.get(parent);
      if (!p || seen.has(p.id)) continue;
      seen.add(p.id);
      up.push({ id: p.id, number: p.number, title: p.title });
      visit(p, seen);
    }
  };
  visit(directive, new Set([directive.id]));
  return { implements: up, directive: describe(directive, 0, new Set([directive.id])) };
};
