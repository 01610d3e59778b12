import type { z } from 'zod';
import type { DirectiveKind, Issuer } from '../events/directives.ts';
import type { Grade } from '../events/reporting.ts';
import type { BodyKind, Role } from '../events/roster.ts';
import type { Target } from '../events/targets.ts';
import { Adoptions } from './adoptions.ts';
import { NO_DAY, offsetsOf, type SnapshotReader, type SnapshotWriter } from './snapshot-codec.ts';

/** A role held on a body for a stretch of days (`to` exclusive, undefined while still held). */
export interface Holding {
  readonly person: string;
  readonly role: Role;
  readonly from: number;
  readonly reasonIn: string;
  to: number | undefined;
  reasonOut: string | undefined;
}

export interface BodyRecord {
  readonly id: string;
  readonly unit: number;
  readonly kind: BodyKind;
  readonly name: string;
  readonly programme: string | undefined;
  readonly constitutedDay: number;
  readonly holdings: Holding[];
}

export interface DirectiveRecord {
  readonly id: string;
  readonly number: string;
  readonly kind: z.infer<typeof DirectiveKind>;
  title: string;
  readonly issuer: z.infer<typeof Issuer>;
  readonly issuerUnit: number | undefined;
  readonly issuedDay: number;
  period: { from: number; to: number } | undefined;
  readonly implements: readonly string[];
  /** Current targets by id, in the order first declared. */
  readonly targets: Map<string, Target>;
  /** Units that adopted it, with the day and their own plan's number. */
  readonly adoptions: Adoptions;
  withdrawnDay: number | undefined;
  amendments: number;
}

export interface ReportRecord {
  readonly reportId: string;
  readonly unit: number;
  readonly directive: string;
  readonly day: number;
  readonly epochMs: number;
  readonly period: { from: number; to: number };
  readonly to: number | undefined;
  readonly number: string | undefined;
  readonly position: number;
}

export interface InspectionRecord {
  readonly inspectionId: string;
  readonly inspector: number;
  readonly directive: string;
  readonly underDirective: string | undefined;
  readonly units: readonly number[];
  readonly visits: { from: number; to: number };
  readonly window: { from: number; to: number };
  readonly contents: readonly string[];
  readonly findings: readonly { unit: number | undefined; topic: string | undefined; finding: string }[];
  readonly position: number;
}

export interface RatingRecord {
  readonly unit: number;
  readonly year: number;
  readonly grade: z.infer<typeof Grade>;
  readonly day: number;
}

/** Rosters, directives, reports, inspections and ratings: small, so kept as plain records. */
export class Records {
  readonly bodies = new Map<string, BodyRecord>();
  readonly bodiesByUnit = new Map<number, BodyRecord[]>();
  readonly directives = new Map<string, DirectiveRecord>();
  /** Directive id → ids of the directives that implement it. */
  readonly implementedBy = new Map<string, string[]>();
  readonly reports: ReportRecord[] = [];
  readonly inspections = new Map<string, InspectionRecord>();
  readonly ratings: RatingRecord[] = [];
  readonly groups = new Map<string, { name: string; description: string | undefined }>();

  addBody(body: BodyRecord): void {
    this.bodies.set(body.id, body);
    const list = this.bodiesByUnit.get(body.unit);
    if (list) list.push(body);
    else this.bodiesByUnit.set(body.unit, [body]);
  }

  addDirective(d: DirectiveRecord): void {
    this.directives.set(d.id, d);
    for (const parent of d.implements) {
      const list = this.implementedBy.get(parent);
      if (list) list.push(d.id);
      else this.implementedBy.set(parent, [d.id]);
    }
  }

  /**
   * Everything, for a checkpoint: plain data, except the two lists that grow with the organisation — roster
   * holdings and directive adoptions — which go in columns (a national roster is 50,000 holdings; a
   * directive adopted by every unit, 100,000 adoptions), strings in the body.
   */
  exportState(w: SnapshotWriter) {
    const bodies = [...this.bodies.values()];
    const holdings = bodies.flatMap((b) => b.holdings);
    const directives = [...this.directives.values()];
    const adoptions = directives.flatMap((d) => [...d.adoptions]);
    return {
      bodies: bodies.map(({ holdings: _, ...b }) => b),
      holdingCounts: w.blob(Int32Array.from(bodies, (b) => b.holdings.length)),
      holdings: {
        person: w.strings(holdings.map((h) => h.person)),
        role: w.strings(holdings.map((h) => h.role)),
        from: w.blob(Int32Array.from(holdings, (h) => h.from)),
        reasonIn: w.strings(holdings.map((h) => h.reasonIn)),
        to: w.blob(Int32Array.from(holdings, (h) => h.to ?? NO_DAY)),
        reasonOut: w.strings(holdings.map((h) => h.reasonOut)),
      },
      directives: directives.map(({ adoptions: _, ...d }) => ({ ...d, targets: [...d.targets.values()] })),
      adoptionCounts: w.blob(Int32Array.from(directives, (d) => d.adoptions.size)),
      adoptions: {
        unit: w.blob(Int32Array.from(adoptions, ([unit]) => unit)),
        day: w.blob(Int32Array.from(adoptions, ([, a]) => a.day)),
        plan: w.strings(adoptions.map(([, a]) => a.plan)),
      },
      reports: this.reports,
      inspections: [...this.inspections.values()],
      ratings: this.ratings,
      groups: [...this.groups],
    };
  }

  importState(r: SnapshotReader, state: ReturnType<Records['exportState']>): void {
    const bad = (what: string) => new RangeError(`Records.importState: ${what}`);
    const h = state.holdings;
    const person = r.strings(h.person);
    const role = r.strings(h.role);
    const from = r.i32(h.from);
    const reasonIn = r.strings(h.reasonIn);
    const to = r.i32(h.to);
    const reasonOut = r.strings(h.reasonOut);
    if (
      [role.length, from.length, reasonIn.length, to.length, reasonOut.length].some(
        (n) => n !== person.length,
      )
    )
      throw bad('the holding columns differ in length');
    const holdingCounts = r.i32(state.holdingCounts);
    if (holdingCounts.length !== state.bodies.length) throw bad('one holding count per body expected');
    const holdingAt = offsetsOf(holdingCounts, person.length);
    if (holdingAt === undefined) throw bad('the holding counts do not add up to the holdings');
    state.bodies.forEach((b, body) => {
      const holdings: Holding[] = [];
      for (let i = holdingAt[body]!; i < holdingAt[body + 1]!; i++) {
        const who = person[i];
        const as = role[i];
        const why = reasonIn[i];
        if (who === undefined || as === undefined || why === undefined)
          throw bad(`holding #${i} has no person, role or reason`);
        holdings.push({
          person: who,
          role: as as Role,
          from: from[i]!,
          reasonIn: why,
          to: to[i] === NO_DAY ? undefined : to[i],
          reasonOut: reasonOut[i],
        });
      }
      this.addBody({ ...b, holdings });
    });
    const a = state.adoptions;
    const unit = r.i32(a.unit);
    const day = r.i32(a.day);
    const plan = r.stringColumn(a.plan);
    if (day.length !== unit.length || plan.length !== unit.length)
      throw bad('the adoption columns differ in length');
    const adoptionCounts = r.i32(state.adoptionCounts);
    if (adoptionCounts.length !== state.directives.length)
      throw bad('one adoption count per directive expected');
    const adoptionAt = offsetsOf(adoptionCounts, unit.length);
    if (adoptionAt === undefined) throw bad('the adoption counts do not add up to the adoptions');
    state.directives.forEach((d, i) => {
      // The checkpoint's columns as they are; its plans decoded when asked for.
      const from = adoptionAt[i]!;
      const to = adoptionAt[i + 1]!;
      const adoptions = Adoptions.restored(unit.subarray(from, to), day.subarray(from, to), (row) =>
        plan.get(from + row),
      );
      this.addDirective({ ...d, targets: new Map(d.targets.map((t) => [t.targetId, t])), adoptions });
    });
    this.reports.push(...state.reports);
    for (const i of state.inspections) this.inspections.set(i.inspectionId, i);
    this.ratings.push(...state.ratings);
    for (const [id, g] of state.groups) this.groups.set(id, g);
  }

  /** The holding a person currently has in a role on a body. */
  currentHolding(body: BodyRecord, person: string, role: string): Holding | undefined {
    return body.holdings.findLast((h) => h.person === person && h.role === role && h.to === undefined);
  }
}
