import type { z } from 'zod';
import type { DirectiveKind, Issuer } from '../events/directives.ts';
import type { Grade } from '../events/reporting.ts';
import type { BodyKind, Role } from '../events/roster.ts';
import type { Target } from '../events/targets.ts';

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
  readonly adoptions: Map<number, { day: number; plan: string | undefined }>;
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

  /** Everything, as plain data for a checkpoint. */
  exportState() {
    return {
      bodies: [...this.bodies.values()],
      directives: [...this.directives.values()].map((d) => ({
        ...d,
        targets: [...d.targets.values()],
        adoptions: [...d.adoptions],
      })),
      reports: this.reports,
      inspections: [...this.inspections.values()],
      ratings: this.ratings,
      groups: [...this.groups],
    };
  }

  importState(state: ReturnType<Records['exportState']>): void {
    for (const b of state.bodies) this.addBody(b);
    for (const d of state.directives) {
      this.addDirective({
        ...d,
        targets: new Map(d.targets.map((t) => [t.targetId, t])),
        adoptions: new Map(d.adoptions),
      });
    }
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
