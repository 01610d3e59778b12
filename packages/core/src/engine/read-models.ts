import { NotFoundError } from '../errors.ts';
import { dateFromDay } from '../time/civil.ts';
import type { ViewIndex } from './activity-cube.ts';
import type { Engine } from './engine.ts';

export interface UnitNode {
  readonly id: string;
  readonly name: string;
  readonly level: string;
  /** Set for a unit kept in today's tree after it was dissolved. */
  readonly dissolved?: string;
  readonly children: readonly UnitNode[];
}

/** The tree on a day: as it stood then (as-was), or today's tree with the units active that day (as-is). */
export const unitTree = (engine: Engine, day: number, view: ViewIndex, rootId?: string): UnitNode[] => {
  const h = engine.hierarchy;
  const node = (u: number): UnitNode => {
    const r = h.unit(u);
    const children =
      view === 0
        ? h.childrenAt(u, day)
        : h.asIsChildren(u).filter((c) => h.isActive(c, day) || h.unit(c).end?.kind === 'dissolved');
    return {
      id: r.id,
      name: h.nameAt(u, day),
      level: r.level,
      ...(r.end?.kind === 'dissolved' && r.end.day <= day ? { dissolved: dateFromDay(r.end.day) } : {}),
      children: children.sort((a, b) => h.nameAt(a, day).localeCompare(h.nameAt(b, day), 'vi')).map(node),
    };
  };
  if (rootId !== undefined) {
    const u = h.indexOf(rootId);
    if (u === undefined) throw new NotFoundError('unit', rootId);
    return [node(u)];
  }
  const roots = h.units.filter((r) =>
    view === 0
      ? h.isActive(r.index, day) && h.parentAt(r.index, day) < 0
      : h.isAsIsNode(r.index) && h.asIsParent(r.index) < 0 && r.registeredDay <= day,
  );
  return roots.map((r) => node(r.index));
};

/** A unit with its whole history: names, parents, end and successors, groups and bodies. */
export const describeUnit = (engine: Engine, id: string) => {
  const h = engine.hierarchy;
  const u = h.indexOf(id);
  if (u === undefined) throw new NotFoundError('unit', id);
  const r = h.unit(u);
  const idOf = (x: number) => (x < 0 ? null : h.unit(x).id);
  const end = r.end;
  return {
    id: r.id,
    name: h.name(u),
    level: r.level,
    registered: dateFromDay(r.registeredDay),
    names: r.names.map((n) => ({
      from: dateFromDay(n.from),
      name: n.value.name,
      ...(n.value.shortName ? { shortName: n.value.shortName } : {}),
    })),
    parents: r.parents.map((p) => ({ from: dateFromDay(p.from), parentId: idOf(p.value) })),
    ...(end
      ? {
          end: {
            on: dateFromDay(end.day),
            kind: end.kind,
            ...(end.kind === 'merged' ? { into: idOf(end.into) } : {}),
            ...(end.kind === 'split'
              ? {
                  into: end.into.map((i) => ({ unitId: idOf(i.unit), weight: i.weight })),
                  historyTo: idOf(end.historyTo),
                }
              : {}),
          },
        }
      : {}),
    /** Where the unit's history counts in the as-is view. */
    asIs: h.asIsTargets(u).map((t) => ({ unitId: idOf(t.node), share: t.weight })),
    groups: r.groups.map((g) => ({
      groupId: g.group,
      from: dateFromDay(g.from),
      ...(g.to === undefined ? {} : { to: dateFromDay(g.to) }),
    })),
    bodies: (engine.records.bodiesByUnit.get(u) ?? []).map((b) => ({
      bodyId: b.id,
      kind: b.kind,
      name: b.name,
      ...(b.programme ? { programme: b.programme } : {}),
    })),
  };
};

/**
 * The unit that issued a directive, as its id; null for an outside authority (the Prime Minister, say);
 * undefined when the log holds no such directive.
 */
export const directiveIssuer = (engine: Engine, directiveId: string): string | null | undefined => {
  const d = engine.records.directives.get(directiveId);
  if (!d) return undefined;
  return d.issuerUnit === undefined ? null : engine.hierarchy.unit(d.issuerUnit).id;
};

/** Every directive, newest first, without targets' evaluations. */
export const listDirectives = (engine: Engine) =>
  [...engine.records.directives.values()]
    .sort((a, b) => b.issuedDay - a.issuedDay || a.id.localeCompare(b.id))
    .map((d) => ({
      id: d.id,
      number: d.number,
      kind: d.kind,
      title: d.title,
      issuer: 'unitId' in d.issuer ? { unitId: d.issuer.unitId } : { name: d.issuer.name },
      issued: dateFromDay(d.issuedDay),
      ...(d.period ? { period: { from: dateFromDay(d.period.from), to: dateFromDay(d.period.to) } } : {}),
      implements: d.implements,
      targets: d.targets.size,
      adoptions: d.adoptions.size,
      ...(d.withdrawnDay === undefined ? {} : { withdrawn: dateFromDay(d.withdrawnDay) }),
    }));

/** A recorded inspection as it stands in the log: who inspected whom, when, over what window, and the findings. */
export const describeInspection = (engine: Engine, id: string) => {
  const i = engine.records.inspections.get(id);
  if (!i) throw new NotFoundError('inspection', id);
  const h = engine.hierarchy;
  const range = (r: { from: number; to: number }) => ({ from: dateFromDay(r.from), to: dateFromDay(r.to) });
  return {
    id: i.inspectionId,
    inspectingUnitId: h.unit(i.inspector).id,
    directiveId: i.directive,
    ...(i.underDirective === undefined ? {} : { underDirectiveId: i.underDirective }),
    inspectedUnitIds: i.units.map((u) => h.unit(u).id),
    visits: range(i.visits),
    window: range(i.window),
    contents: i.contents,
    findings: i.findings.map((f) => ({
      ...(f.unit === undefined ? {} : { unitId: h.unit(f.unit).id }),
      ...(f.topic === undefined ? {} : { topic: f.topic }),
      finding: f.finding,
    })),
    position: i.position,
  };
};

/** Every recorded inspection, in log order. */
export const listInspections = (engine: Engine) =>
  [...engine.records.inspections.keys()].map((id) => describeInspection(engine, id));
