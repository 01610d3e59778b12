import type { ActivityFacts } from '../events/activities.ts';
import type { EventDataMap } from '../events/catalogue.ts';
import type { StoredEvent } from '../events/envelope.ts';
import { dayFromDate, worldTime } from '../time/civil.ts';
import { ActivityCube, type ActivityCubeOptions } from './activity-cube.ts';
import { Adoptions } from './adoptions.ts';
import { ContributionLog } from './contribution-log.ts';
import { Hierarchy } from './hierarchy.ts';
import { PeopleCube } from './people-cube.ts';
import { Records } from './records.ts';
import { Slots } from './slots.ts';
import { StockCube } from './stock-cube.ts';
import { StreamVersions } from './stream-versions.ts';

/** An event the engine could not apply (it references something unknown): kept, reported, never silent. */
export interface Anomaly {
  readonly position: number;
  readonly type: string;
  readonly message: string;
}

const MAX_ANOMALIES = 1_000;

/**
 * Units past which the idle refresh puts the tree back into columns once most units have records built
 * (see {@link Engine.refreshIdle}); a smaller tree's records cost little.
 */
const COMPACT_TREE_FROM = 10_000;

/** Facts of an activity as first recorded. */
export const factsOf = (e: StoredEvent<'activity.recorded'>): ActivityFacts => ({
  unitId: e.data.unitId,
  kind: e.data.kind,
  channel: e.data.channel ?? null,
  quantity: e.data.quantity,
  participants: e.data.participants ?? [],
  occurredAt: e.occurredAt,
});

/** Facts after a correction's `set` is applied. */
export const correctedFacts = (
  previous: ActivityFacts,
  set: { readonly [K in keyof ActivityFacts]?: ActivityFacts[K] | undefined },
): ActivityFacts => {
  const next = { ...previous };
  for (const [k, v] of Object.entries(set)) if (v !== undefined) (next as Record<string, unknown>)[k] = v;
  return next;
};

export interface EngineOptions {
  readonly activities?: ActivityCubeOptions;
}

/**
 * The projections of the log: a deterministic fold. Given the same events in the same order it reaches the
 * same state, whether from scratch, incrementally, or from a checkpoint.
 */
export class Engine {
  readonly hierarchy = new Hierarchy();
  readonly activities: ActivityCube;
  readonly stocks = new StockCube(this.hierarchy);
  readonly people = new PeopleCube(this.hierarchy);
  readonly populations = new Slots();
  readonly records = new Records();
  readonly contributions = new ContributionLog();
  readonly anomalies: Anomaly[] = [];
  /** Position of the last event applied. */
  position = 0;
  /** recordedAt of the last event applied. */
  recordedAt: string | undefined;
  /**
   * Versions of the streams decisions depend on (units, groups, directives, bodies), so the ledger can guard
   * its writes against a concurrent writer on another node. Activity streams are not kept: too many.
   */
  readonly streamVersions = new StreamVersions(this.hierarchy);

  /** `options` tune how projections are kept, never what they answer (tests fold the same log both ways). */
  constructor(options: EngineOptions = {}) {
    this.activities = new ActivityCube(this.hierarchy, options.activities);
  }

  /**
   * Applies the next event. Corrections and voids need the activity's facts before them: from the event's
   * `previous` (the ledger fills it), or from `previous` here when a writer left it out.
   */
  apply(event: StoredEvent, previous?: ActivityFacts): void {
    if (event.position !== this.position + 1) {
      throw new Error(
        `events must be applied in order: expected position ${this.position + 1}, got ${event.position}`,
      );
    }
    try {
      this.#apply(event, previous);
    } catch (error) {
      if (!(error instanceof ProjectionAnomaly)) throw error;
      if (this.anomalies.length < MAX_ANOMALIES) {
        this.anomalies.push({ position: event.position, type: event.type, message: error.message });
      }
    }
    this.position = event.position;
    this.recordedAt = event.recordedAt;
    if (!event.type.startsWith('activity.') && REFERENCE_STREAM.test(event.stream)) {
      this.streamVersions.set(event.stream, event.version);
    }
  }

  /**
   * Idle upkeep, run between requests in steps that stop when `stop` says so: the people cells a correction
   * or void left stale are rebuilt (and their arena compacted; see `PeopleCube.refreshStale`); once none is
   * left and time remains, a large tree most of whose units have records built — every one after a fold from
   * the log — goes back into the columns a restore leaves it in ({@link Hierarchy.compact}), and the
   * activity series and the contribution streams move into a new pool if theirs is mostly room they outgrew
   * ({@link ActivityCube.repack}, {@link ContributionLog.repack}), and the headcount timelines' columns are
   * cut to their steps when much of them is room ({@link StockCube.compact}).
   * Returns the stale cells left.
   */
  refreshIdle(stop: () => boolean = () => false): number {
    const left = this.people.refreshStale(stop);
    const h = this.hierarchy;
    if (left === 0 && !stop() && h.size >= COMPACT_TREE_FROM && h.built * 2 > h.size) h.compact();
    if (left === 0 && !stop()) {
      this.activities.repack();
      this.contributions.repack();
      this.stocks.compact();
    }
    return left;
  }

  /** What the projections hold, for memory accounting: the bench reports it beside the process's memory. */
  footprint() {
    return {
      units: this.hierarchy.size,
      activities: this.activities.footprint(),
      people: this.people.footprint(),
      contributions: { bytes: this.contributions.byteLength },
      stocks: { bytes: this.stocks.ownBytes },
    };
  }

  /** The last day on which unit u has records of its own (activities or headcounts), if any. */
  lastRecordDay(u: number): number | undefined {
    const a = this.activities.lastDay(u);
    const b = this.stocks.lastDay(u);
    return a === undefined ? b : b === undefined ? a : Math.max(a, b);
  }

  unitIndex(id: string): number {
    const u = this.hierarchy.indexOf(id);
    if (u === undefined) throw new ProjectionAnomaly(`unknown unit '${id}'`);
    return u;
  }

  #apply(e: StoredEvent, previous: ActivityFacts | undefined) {
    const day = worldTime(e.occurredAt).day;
    const h = this.hierarchy;
    switch (e.type) {
      case 'unit.registered': {
        const d = e.data;
        if (h.indexOf(d.unitId) !== undefined)
          throw new ProjectionAnomaly(`unit '${d.unitId}' is already registered`);
        const parent = d.parentId === null ? -1 : this.unitIndex(d.parentId);
        h.register(d.unitId, d.level, parent, day, d.name, d.shortName);
        return;
      }
      case 'unit.renamed': {
        const u = this.unitIndex(e.data.unitId);
        h.rename(u, day, e.data.name, e.data.shortName);
        return;
      }
      case 'unit.moved': {
        const u = this.unitIndex(e.data.unitId);
        const parent = this.unitIndex(e.data.parentId);
        this.#reattribute(h.everSubtree(u), day, () => h.move(u, parent, day));
        return;
      }
      case 'unit.merged': {
        const u = this.unitIndex(e.data.unitId);
        const into = this.unitIndex(e.data.intoId);
        this.#reattribute(h.everSubtree(u), day, () => h.merge(u, into, day));
        return;
      }
      case 'unit.split': {
        const u = this.unitIndex(e.data.unitId);
        const into = e.data.into.map((i) => ({ unit: this.unitIndex(i.unitId), weight: i.weight }));
        const historyTo = this.unitIndex(e.data.historyTo);
        const childTo = new Map(
          Object.entries(e.data.children ?? {}).map(
            ([c, s]) => [this.unitIndex(c), this.unitIndex(s)] as const,
          ),
        );
        this.#reattribute(h.everSubtree(u), day, () => h.split(u, into, historyTo, childTo, day));
        return;
      }
      case 'unit.dissolved': {
        const u = this.unitIndex(e.data.unitId);
        this.#reattribute([u], day, () => h.dissolve(u, day));
        return;
      }
      case 'group.defined':
        this.records.groups.set(e.data.groupId, { name: e.data.name, description: e.data.description });
        return;
      case 'unit.joined-group': {
        const u = this.unitIndex(e.data.unitId);
        h.joinGroup(u, e.data.groupId, day);
        return;
      }
      case 'unit.left-group': {
        const u = this.unitIndex(e.data.unitId);
        h.leaveGroup(u, e.data.groupId, day);
        return;
      }
      case 'headcount.reported': {
        const u = this.unitIndex(e.data.unitId);
        this.stocks.report(u, this.populations.intern(e.data.population, e.data.channel), day, e.data.count);
        return;
      }
      case 'directive.issued':
        return this.#issue(e as StoredEvent<'directive.issued'>, day);
      case 'directive.amended': {
        const d = this.#directive(e.data.directiveId);
        if (e.data.title !== undefined) d.title = e.data.title;
        if (e.data.period !== undefined)
          d.period = { from: dayFromDate(e.data.period.from), to: dayFromDate(e.data.period.to) };
        for (const t of e.data.setTargets) d.targets.set(t.targetId, t);
        for (const id of e.data.removeTargets) d.targets.delete(id);
        d.amendments += 1;
        return;
      }
      case 'directive.adopted': {
        const d = this.#directive(e.data.directiveId);
        d.adoptions.set(this.unitIndex(e.data.unitId), { day, plan: e.data.plan });
        return;
      }
      case 'directive.withdrawn': {
        const d = this.#directive(e.data.directiveId);
        d.withdrawnDay = day;
        return;
      }
      case 'activity.recorded':
        return this.#contribute(factsOf(e as StoredEvent<'activity.recorded'>), 1, e.position);
      case 'activity.corrected': {
        const before = this.#previous(e as StoredEvent<'activity.corrected'>, previous);
        const after = correctedFacts(before, e.data.set);
        // Resolve both units first so an unknown unit leaves the figures untouched rather than half-corrected.
        this.unitIndex(before.unitId);
        this.unitIndex(after.unitId);
        this.#contribute(before, -1, e.position);
        this.#contribute(after, 1, e.position);
        return;
      }
      case 'activity.voided':
        return this.#contribute(
          this.#previous(e as StoredEvent<'activity.voided'>, previous),
          -1,
          e.position,
        );
      case 'body.constituted': {
        const d = e.data;
        if (this.records.bodies.has(d.bodyId))
          throw new ProjectionAnomaly(`body '${d.bodyId}' already exists`);
        this.records.addBody({
          id: d.bodyId,
          unit: this.unitIndex(d.unitId),
          kind: d.kind,
          name: d.name,
          programme: d.programme,
          constitutedDay: day,
          holdings: [],
        });
        return;
      }
      case 'role.assigned': {
        const body = this.#body(e.data.bodyId);
        body.holdings.push({
          person: e.data.personId,
          role: e.data.role,
          from: day,
          reasonIn: e.data.reason,
          to: undefined,
          reasonOut: undefined,
        });
        return;
      }
      case 'role.vacated': {
        const body = this.#body(e.data.bodyId);
        const holding = this.records.currentHolding(body, e.data.personId, e.data.role);
        if (!holding)
          throw new ProjectionAnomaly(`${e.data.personId} does not hold ${e.data.role} on ${body.id}`);
        holding.to = day;
        holding.reasonOut = e.data.reason;
        return;
      }
      case 'report.submitted': {
        const d = e.data;
        this.records.reports.push({
          reportId: d.reportId,
          unit: this.unitIndex(d.unitId),
          directive: d.directiveId,
          day,
          epochMs: worldTime(e.occurredAt).epochMs,
          period: { from: dayFromDate(d.period.from), to: dayFromDate(d.period.to) },
          to: d.to === undefined ? undefined : this.unitIndex(d.to),
          number: d.number,
          position: e.position,
        });
        return;
      }
      case 'inspection.recorded': {
        const d = e.data;
        this.records.inspections.set(d.inspectionId, {
          inspectionId: d.inspectionId,
          inspector: this.unitIndex(d.inspectingUnitId),
          directive: d.directiveId,
          underDirective: d.underDirectiveId,
          units: d.inspectedUnitIds.map((id) => this.unitIndex(id)),
          visits: { from: dayFromDate(d.visits.from), to: dayFromDate(d.visits.to) },
          window: { from: dayFromDate(d.window.from), to: dayFromDate(d.window.to) },
          contents: d.contents,
          findings: d.findings.map((f) => ({
            unit: f.unitId === undefined ? undefined : this.unitIndex(f.unitId),
            topic: f.topic,
            finding: f.finding,
          })),
          position: e.position,
        });
        return;
      }
      case 'rating.recorded':
        this.records.ratings.push({
          unit: this.unitIndex(e.data.unitId),
          year: e.data.year,
          grade: e.data.grade,
          day,
        });
        return;
    }
  }

  #issue(e: StoredEvent<'directive.issued'>, day: number) {
    const d: EventDataMap['directive.issued'] = e.data;
    if (this.records.directives.has(d.directiveId))
      throw new ProjectionAnomaly(`directive '${d.directiveId}' already issued`);
    this.records.addDirective({
      id: d.directiveId,
      number: d.number,
      kind: d.kind,
      title: d.title,
      issuer: d.issuer,
      issuerUnit: 'unitId' in d.issuer ? this.unitIndex(d.issuer.unitId) : undefined,
      issuedDay: day,
      period: d.period ? { from: dayFromDate(d.period.from), to: dayFromDate(d.period.to) } : undefined,
      implements: d.implements,
      targets: new Map(d.targets.map((t) => [t.targetId, t])),
      adoptions: new Adoptions(),
      withdrawnDay: undefined,
      amendments: 0,
    });
  }

  #directive(id: string) {
    const d = this.records.directives.get(id);
    if (!d) throw new ProjectionAnomaly(`unknown directive '${id}'`);
    return d;
  }

  #body(id: string) {
    const b = this.records.bodies.get(id);
    if (!b) throw new ProjectionAnomaly(`unknown body '${id}'`);
    return b;
  }

  #previous(
    e: StoredEvent<'activity.corrected' | 'activity.voided'>,
    given: ActivityFacts | undefined,
  ): ActivityFacts {
    const facts = e.data.previous ?? given;
    if (!facts) throw new ProjectionAnomaly(`no previous facts for activity '${e.data.activityId}'`);
    return facts;
  }

  #contribute(facts: ActivityFacts, sign: 1 | -1, position: number) {
    const u = this.unitIndex(facts.unitId);
    const day = worldTime(facts.occurredAt).day;
    const slot = this.activities.slots.intern(facts.kind, facts.channel ?? undefined);
    this.activities.add(u, day, slot, sign, sign * facts.quantity);
    this.contributions.add(u, day, slot, position);
    if (facts.participants.length > 0) this.people.add(u, day, slot, facts.participants, sign);
  }

  /** Changes the tree with `mutate`, re-attributing the history of `units` in every roll-up. */
  #reattribute(units: readonly number[], fromDay: number, mutate: () => void) {
    this.activities.reattribute(units, fromDay, () =>
      this.stocks.reattribute(units, () => this.people.reattribute(units, fromDay, mutate)),
    );
  }
}

const REFERENCE_STREAM = /^(unit|group|directive|body)-/;

/** Thrown inside a handler when an event references something the log does not define. */
class ProjectionAnomaly extends Error {}
