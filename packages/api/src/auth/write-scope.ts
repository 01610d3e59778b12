import {
  directiveIssuer,
  type Engine,
  type EventStore,
  type Issue,
  loadActivity,
  type PreparedEvent,
  upcastData,
} from '@chitieu/core';
import { HttpProblem } from '../problem.ts';
import type { Principal } from './principal.ts';
import type { UnitScopes } from './unit-scope.ts';

/** An event that passed the catalogue, with its path in the request for error messages. */
export interface LocatedEvent {
  readonly path: string;
  readonly event: PreparedEvent;
}

/** The units an event acts on; `unitless` when it names none (a group, an outside authority, a root). */
interface Named {
  readonly units: readonly string[];
  readonly unitless: boolean;
}

type Data = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const named = (...units: (string | undefined)[]): Named => ({
  units: units.filter((u): u is string => u !== undefined),
  unitless: false,
});
const UNITLESS: Named = { units: [], unitless: true };

/** What the batch itself establishes before the log knows it: bodies, directives and activities it creates. */
interface BatchFacts {
  readonly bodies: Map<string, string>;
  readonly directives: Map<string, string | null>;
  readonly activities: Map<string, string>;
}

/**
 * The units whose records an event changes. Addressees (`report.submitted.to`, `rating.recorded.grantedBy`)
 * are not among them: a district reports to its province without acting on it. Events about an existing
 * thing (a correction, a role, an amendment) act on the unit that thing belongs to.
 */
const unitsOf = async (
  e: PreparedEvent,
  engine: Engine,
  store: EventStore,
  batch: BatchFacts,
): Promise<Named> => {
  const d = upcastData(e.type, e.schemaVersion, e.data) as Data;
  switch (e.type) {
    case 'unit.registered':
      return d.parentId === null ? UNITLESS : named(str(d.parentId));
    case 'unit.moved':
      return named(str(d.unitId), str(d.parentId));
    case 'unit.merged':
      return named(str(d.unitId), str(d.intoId));
    case 'unit.split':
      return named(
        str(d.unitId),
        ...(Array.isArray(d.into) ? d.into.map((i: Data) => str(i.unitId)) : []),
        ...Object.values((d.children as Data | undefined) ?? {}).map(str),
      );
    case 'group.defined':
      return UNITLESS;
    case 'directive.issued': {
      const issuer = str((d.issuer as Data | undefined)?.unitId);
      batch.directives.set(String(d.directiveId), issuer ?? null);
      if (issuer === undefined) return UNITLESS;
      const scopes = (Array.isArray(d.targets) ? d.targets : []).flatMap((t: Data) => {
        const a = (t.appliesTo as Data | undefined) ?? {};
        return [str(a.under), ...strs(a.units)];
      });
      return named(issuer, ...scopes);
    }
    case 'directive.amended':
    case 'directive.withdrawn': {
      const id = String(d.directiveId);
      const known = batch.directives.has(id) ? batch.directives.get(id) : directiveIssuer(engine, id);
      // An unknown directive is the core's to reject; a directive of an outside authority has no unit.
      if (known === undefined) return named();
      return known === null ? UNITLESS : named(known);
    }
    case 'activity.recorded':
      batch.activities.set(String(d.activityId), String(d.unitId));
      return named(str(d.unitId));
    case 'activity.corrected':
    case 'activity.voided': {
      const id = String(d.activityId);
      const current = batch.activities.get(id) ?? (await loadActivity(store, id)).facts?.unitId;
      const moved = str((d.set as Data | undefined)?.unitId);
      if (moved !== undefined) batch.activities.set(id, moved);
      return named(current, moved);
    }
    case 'body.constituted':
      batch.bodies.set(String(d.bodyId), String(d.unitId));
      return named(str(d.unitId));
    case 'role.assigned':
    case 'role.vacated': {
      const id = String(d.bodyId);
      const body = engine.records.bodies.get(id);
      return named(batch.bodies.get(id) ?? (body ? engine.hierarchy.unit(body.unit).id : undefined));
    }
    case 'inspection.recorded':
      return named(str(d.inspectingUnitId), ...strs(d.inspectedUnitIds));
    default:
      // unit.renamed, unit.dissolved, unit.joined-group, unit.left-group, headcount.reported,
      // directive.adopted, report.submitted, rating.recorded: the unit the event is about.
      return named(str(d.unitId));
  }
};

/**
 * Checks that a token confined to a unit writes only inside its subtree: every unit an event acts on must
 * be inside, and an event that acts on no unit (a group, a directive of an outside authority, a root unit)
 * needs a token over every unit. Units the batch registers under a unit inside count as inside.
 */
export const checkWriteScope = async (
  p: Principal,
  events: readonly LocatedEvent[],
  ctx: { engine: Engine; store: EventStore; scopes: UnitScopes },
): Promise<void> => {
  if (p.unit === undefined) return;
  const batch: BatchFacts = { bodies: new Map(), directives: new Map(), activities: new Map() };
  const registered = new Map<string, boolean>();
  const inside = (u: string) => registered.get(u) ?? ctx.scopes.covers(ctx.engine, p, u);
  const issues: Issue[] = [];
  for (const { path, event } of events) {
    const n = await unitsOf(event, ctx.engine, ctx.store, batch);
    if (n.unitless) {
      issues.push({
        path,
        rule: 'needs_unrestricted_token',
        message: `${event.type} acts on no unit of the tree; it needs a token over every unit`,
      });
      continue;
    }
    const outside = n.units.filter((u) => !inside(u));
    if (outside.length > 0) {
      issues.push({
        path,
        rule: 'outside_unit_scope',
        message: `${outside.join(', ')} ${outside.length > 1 ? 'are' : 'is'} outside '${p.unit}'`,
      });
    }
    const id = event.type === 'unit.registered' ? String((event.data as Data).unitId) : undefined;
    // Only a unit the log does not know yet takes its parent's side; re-registering a known one is the
    // core's to refuse, and must not make an outside unit look inside for the rest of the batch.
    if (id !== undefined && ctx.engine.hierarchy.indexOf(id) === undefined)
      registered.set(id, outside.length === 0);
  }
  if (issues.length > 0) {
    throw new HttpProblem(
      403,
      'forbidden',
      'Forbidden',
      `the token '${p.subject}' may write only inside '${p.unit}'`,
      { issues },
    );
  }
};
