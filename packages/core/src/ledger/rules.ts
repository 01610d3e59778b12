import { correctedFacts } from '../engine/engine.ts';
import type { Issue } from '../errors.ts';
import type { ActivityFacts } from '../events/activities.ts';
import type { EventDataMap, EventType } from '../events/catalogue.ts';
import { canonicalJson, type PreparedEvent } from '../events/envelope.ts';
import { LEVEL_RANK } from '../events/organisation.ts';
import type { Target } from '../events/targets.ts';
import { dateFromDay, worldTime } from '../time/civil.ts';
import type { ActivityState } from './activity-state.ts';
import type { BatchView } from './batch-view.ts';

/** An event of the batch with the path it was submitted at. */
export interface Located {
  readonly event: PreparedEvent;
  readonly path: string;
}

/**
 * The domain rules no schema can see: references must exist and be alive on the day, the tree must stay a
 * tree, a unit may not end with children or records after its end, roles must be held to be vacated…
 * Checks every event in order against the view, applying each one that passes, and returns every issue.
 * `previous` gets the facts each correction or void replaces.
 */
export const checkEvents = async (
  view: BatchView,
  events: readonly Located[],
  load: (activityId: string) => Promise<ActivityState>,
): Promise<{ issues: Issue[]; previous: Map<string, ActivityFacts> }> => {
  const issues: Issue[] = [];
  const previous = new Map<string, ActivityFacts>();
  const recordedHere = new Set(
    events
      .filter((l) => l.event.type === 'activity.recorded')
      .map((l) => (l.event.data as { activityId: string }).activityId),
  );
  const wanted = new Set(
    events
      .filter((l) => l.event.type === 'activity.corrected' || l.event.type === 'activity.voided')
      .map((l) => (l.event.data as { activityId: string }).activityId)
      .filter((id) => !recordedHere.has(id)),
  );
  await Promise.all([...wanted].map(async (id) => view.activities.set(id, await load(id))));
  /** Units placed under a parent (registered or moved), checked against the parent's end once the batch is in. */
  const placements: { unitId: string; parentId: string; day: number; field: string }[] = [];
  /** Moves a unit in the view and remembers the placement, with the field that placed it. */
  const place = (unitId: string, parentId: string, day: number, field: string) => {
    view.moveUnit(unitId, parentId, day);
    placements.push({ unitId, parentId, day, field });
  };

  for (const { event, path } of events) {
    const found: Issue[] = [];
    const day = worldTime(event.occurredAt).day;
    const issue = (field: string, rule: string, message: string) =>
      found.push({ path: `${path}.${field}`, rule, message });
    const alive = (field: string, id: string, on = day) => {
      if (!view.unitExists(id)) issue(field, 'unknown_unit', `no unit '${id}'`);
      else if (!view.activeAt(id, on)) {
        const end = view.endDay(id);
        issue(
          field,
          'unit_inactive',
          end !== undefined && on >= end
            ? `unit '${id}' ceased on ${dateFromDay(end)} (before ${dateFromDay(on)})`
            : `unit '${id}' was not yet registered on ${dateFromDay(on)}`,
        );
      }
    };
    const checkEnd = (id: string) => {
      alive('data.unitId', id);
      const last = view.lastRecordDay(id);
      if (last !== undefined && last >= day) {
        issue(
          'occurredAt',
          'records_after_end',
          `unit '${id}' has records dated ${dateFromDay(last)}; correct or void them before it ends`,
        );
      }
      // What the log already says happens to the unit later must still find it alive.
      for (const c of view.placedUnderAfter(id, day)) {
        issue(
          'occurredAt',
          'placements_after_end',
          `'${c}' is placed under '${id}' after ${dateFromDay(day)}`,
        );
      }
      for (const p of view.passingIntoAfter(id, day)) {
        issue('occurredAt', 'successor_after_end', `'${p}' passes into '${id}' after ${dateFromDay(day)}`);
      }
    };
    const type = event.type as EventType;
    const data = event.data as never;
    switch (type) {
      case 'unit.registered': {
        const d: EventDataMap['unit.registered'] = data;
        if (view.unitExists(d.unitId))
          issue('data.unitId', 'duplicate_unit', `unit '${d.unitId}' is already registered`);
        if (d.parentId !== null) {
          alive('data.parentId', d.parentId);
          const parentLevel = view.levelOf(d.parentId);
          if (parentLevel && LEVEL_RANK[d.level] <= LEVEL_RANK[parentLevel]) {
            issue('data.level', 'level_order', `a ${d.level} cannot sit under a ${parentLevel}`);
          }
        }
        if (found.length === 0) {
          view.registerUnit(d.unitId, { level: d.level, registeredDay: day, parent: d.parentId });
          if (d.parentId !== null)
            placements.push({ unitId: d.unitId, parentId: d.parentId, day, field: `${path}.data.parentId` });
        }
        break;
      }
      case 'unit.renamed':
        alive('data.unitId', (data as EventDataMap['unit.renamed']).unitId);
        break;
      case 'unit.moved': {
        const d: EventDataMap['unit.moved'] = data;
        alive('data.unitId', d.unitId);
        alive('data.parentId', d.parentId);
        const parentLevel = view.levelOf(d.parentId);
        const level = view.levelOf(d.unitId);
        if (parentLevel && level && LEVEL_RANK[level] <= LEVEL_RANK[parentLevel]) {
          issue('data.parentId', 'level_order', `a ${level} cannot sit under a ${parentLevel}`);
        }
        if (view.unitExists(d.parentId) && view.isWithin(d.parentId, d.unitId, day)) {
          issue('data.parentId', 'cycle', `'${d.parentId}' is inside '${d.unitId}' on that day`);
        }
        if (found.length === 0) {
          place(d.unitId, d.parentId, day, `${path}.data.parentId`);
        }
        break;
      }
      case 'unit.merged': {
        const d: EventDataMap['unit.merged'] = data;
        checkEnd(d.unitId);
        alive('data.intoId', d.intoId);
        if (d.intoId === d.unitId || (view.unitExists(d.intoId) && view.isWithin(d.intoId, d.unitId, day))) {
          issue('data.intoId', 'cycle', `cannot merge '${d.unitId}' into itself or a unit inside it`);
        }
        const intoLevel = view.levelOf(d.intoId);
        for (const c of view.childrenAt(d.unitId, day)) {
          const level = view.levelOf(c);
          if (intoLevel && level && LEVEL_RANK[level] <= LEVEL_RANK[intoLevel]) {
            issue('data.intoId', 'level_order', `child '${c}' (${level}) cannot pass to a ${intoLevel}`);
          }
        }
        if (found.length === 0) {
          for (const c of view.childrenAt(d.unitId, day)) {
            place(c, d.intoId, day, `${path}.data.intoId`);
          }
          view.endUnit(d.unitId, day, [d.intoId]);
        }
        break;
      }
      case 'unit.split': {
        const d: EventDataMap['unit.split'] = data;
        checkEnd(d.unitId);
        d.into.forEach((s, i) => {
          alive(`data.into.${i}.unitId`, s.unitId);
          if (view.unitExists(s.unitId) && view.isWithin(s.unitId, d.unitId, day)) {
            issue(
              `data.into.${i}.unitId`,
              'cycle',
              `'${s.unitId}' is '${d.unitId}' or inside it; a successor must stand outside`,
            );
          }
        });
        const children = view.childrenAt(d.unitId, day);
        const successors = new Set(d.into.map((s) => s.unitId));
        for (const [child, to] of Object.entries(d.children ?? {})) {
          if (!children.includes(child))
            issue(
              `data.children.${child}`,
              'not_a_child',
              `'${child}' is not a child of '${d.unitId}' that day`,
            );
          if (!successors.has(to))
            issue(`data.children.${child}`, 'not_a_successor', `'${to}' is not among the successors`);
        }
        for (const c of children) {
          const to = d.children?.[c] ?? d.historyTo;
          const level = view.levelOf(c);
          const toLevel = view.levelOf(to);
          if (level && toLevel && LEVEL_RANK[level] <= LEVEL_RANK[toLevel]) {
            issue(`data.children.${c}`, 'level_order', `child '${c}' (${level}) cannot pass to a ${toLevel}`);
          }
        }
        if (found.length === 0) {
          for (const c of children) {
            const named = d.children?.[c];
            const field = named === undefined ? 'historyTo' : `children.${c}`;
            place(c, named ?? d.historyTo, day, `${path}.data.${field}`);
          }
          view.endUnit(
            d.unitId,
            day,
            d.into.map((s) => s.unitId),
          );
        }
        break;
      }
      case 'unit.dissolved': {
        const d: EventDataMap['unit.dissolved'] = data;
        checkEnd(d.unitId);
        const children = view.childrenAt(d.unitId, day);
        if (children.length > 0) {
          issue(
            'data.unitId',
            'has_children',
            `'${d.unitId}' still has ${children.length} active children (${children.slice(0, 3).join(', ')}…); move, merge or dissolve them first`,
          );
        }
        if (found.length === 0) view.endUnit(d.unitId, day);
        break;
      }
      case 'group.defined': {
        const d: EventDataMap['group.defined'] = data;
        if (view.groupExists(d.groupId))
          issue('data.groupId', 'duplicate_group', `group '${d.groupId}' already defined`);
        else view.newGroups.add(d.groupId);
        break;
      }
      case 'unit.joined-group':
      case 'unit.left-group': {
        const d: EventDataMap['unit.joined-group'] = data;
        alive('data.unitId', d.unitId);
        if (!view.groupExists(d.groupId)) issue('data.groupId', 'unknown_group', `no group '${d.groupId}'`);
        break;
      }
      case 'headcount.reported': {
        const d: EventDataMap['headcount.reported'] = data;
        alive('data.unitId', d.unitId);
        if (found.length === 0) view.recordOn(d.unitId, day);
        break;
      }
      case 'directive.issued': {
        const d: EventDataMap['directive.issued'] = data;
        if (view.directiveTargets(d.directiveId))
          issue('data.directiveId', 'duplicate_directive', `directive '${d.directiveId}' already issued`);
        if ('unitId' in d.issuer && !view.unitExists(d.issuer.unitId))
          issue('data.issuer.unitId', 'unknown_unit', `no unit '${d.issuer.unitId}'`);
        d.implements.forEach((id, i) => {
          if (!view.directiveTargets(id))
            issue(`data.implements.${i}`, 'unknown_directive', `no directive '${id}'`);
        });
        checkTargets(view, d.targets, new Set(d.targets.map((t) => t.targetId)), 'data.targets', issue);
        if (found.length === 0)
          view.newDirectives.set(d.directiveId, new Set(d.targets.map((t) => t.targetId)));
        break;
      }
      case 'directive.amended': {
        const d: EventDataMap['directive.amended'] = data;
        const targets = view.directiveTargets(d.directiveId);
        if (!targets) issue('data.directiveId', 'unknown_directive', `no directive '${d.directiveId}'`);
        else {
          if (view.isWithdrawn(d.directiveId))
            issue('data.directiveId', 'withdrawn', 'the directive was withdrawn');
          const after = new Set([...targets, ...d.setTargets.map((t) => t.targetId)]);
          d.removeTargets.forEach((id, i) => {
            if (!targets.has(id)) issue(`data.removeTargets.${i}`, 'unknown_target', `no target '${id}'`);
            after.delete(id);
          });
          checkTargets(view, d.setTargets, after, 'data.setTargets', issue);
        }
        break;
      }
      case 'directive.adopted': {
        const d: EventDataMap['directive.adopted'] = data;
        alive('data.unitId', d.unitId);
        if (!view.directiveTargets(d.directiveId))
          issue('data.directiveId', 'unknown_directive', `no directive '${d.directiveId}'`);
        else if (view.isWithdrawn(d.directiveId))
          issue('data.directiveId', 'withdrawn', 'the directive was withdrawn');
        else if (view.isAdopted(d.directiveId, d.unitId))
          issue('data.unitId', 'already_adopted', `'${d.unitId}' already adopted it`);
        if (found.length === 0) view.adoptions.add(`${d.directiveId}\u0000${d.unitId}`);
        break;
      }
      case 'directive.withdrawn': {
        const d: EventDataMap['directive.withdrawn'] = data;
        if (!view.directiveTargets(d.directiveId))
          issue('data.directiveId', 'unknown_directive', `no directive '${d.directiveId}'`);
        else if (view.isWithdrawn(d.directiveId)) issue('data.directiveId', 'withdrawn', 'already withdrawn');
        else view.withdrawn.add(d.directiveId);
        break;
      }
      case 'activity.recorded': {
        const d: EventDataMap['activity.recorded'] = data;
        alive('data.unitId', d.unitId);
        if (d.bodyId !== undefined && !view.bodyExists(d.bodyId))
          issue('data.bodyId', 'unknown_body', `no body '${d.bodyId}'`);
        if (d.directiveId !== undefined && !view.directiveTargets(d.directiveId)) {
          issue('data.directiveId', 'unknown_directive', `no directive '${d.directiveId}'`);
        }
        if (found.length === 0) {
          view.recordOn(d.unitId, day);
          view.activities.set(d.activityId, {
            facts: {
              unitId: d.unitId,
              kind: d.kind,
              channel: d.channel ?? null,
              quantity: d.quantity,
              participants: d.participants ?? [],
              occurredAt: event.occurredAt,
            },
            voided: false,
            version: 1,
          });
        }
        break;
      }
      case 'activity.corrected':
      case 'activity.voided': {
        const d = data as EventDataMap['activity.corrected'] | EventDataMap['activity.voided'];
        const state = view.activities.get(d.activityId);
        if (!state?.facts) {
          issue('data.activityId', 'unknown_activity', `no activity '${d.activityId}'`);
          break;
        }
        if (state.voided) {
          issue('data.activityId', 'voided', `activity '${d.activityId}' was voided`);
          break;
        }
        if (d.previous !== undefined && canonicalJson(d.previous) !== canonicalJson(state.facts)) {
          issue('data.previous', 'stale_previous', 'does not match the activity as it stands; read it again');
        }
        let next = state.facts;
        if (type === 'activity.corrected') {
          next = correctedFacts(state.facts, (d as EventDataMap['activity.corrected']).set);
          const p = worldTime(next.occurredAt).day;
          if (!view.unitExists(next.unitId))
            issue('data.set.unitId', 'unknown_unit', `no unit '${next.unitId}'`);
          else if (!view.activeAt(next.unitId, p))
            issue('data.set', 'unit_inactive', `unit '${next.unitId}' was not active on ${dateFromDay(p)}`);
          if (next.participants.length > next.quantity) {
            issue(
              'data.set.participants',
              'too_many_participants',
              'cannot have more distinct participants than turns (quantity)',
            );
          }
        }
        if (found.length === 0) {
          previous.set(path, state.facts);
          if (type === 'activity.corrected') view.recordOn(next.unitId, worldTime(next.occurredAt).day);
          view.activities.set(d.activityId, {
            facts: next,
            voided: type === 'activity.voided',
            version: state.version + 1,
          });
        }
        break;
      }
      case 'body.constituted': {
        const d: EventDataMap['body.constituted'] = data;
        if (view.bodyExists(d.bodyId))
          issue('data.bodyId', 'duplicate_body', `body '${d.bodyId}' already exists`);
        alive('data.unitId', d.unitId);
        if (found.length === 0) view.newBodies.set(d.bodyId, { unit: d.unitId, day });
        break;
      }
      case 'role.assigned':
      case 'role.vacated': {
        const d: EventDataMap['role.assigned'] = data;
        const start = view.bodyStart(d.bodyId);
        if (start === undefined) issue('data.bodyId', 'unknown_body', `no body '${d.bodyId}'`);
        else if (day < start)
          issue('occurredAt', 'before_body', `the body was constituted on ${dateFromDay(start)}`);
        const holds = view.holds(d.bodyId, d.personId, d.role);
        if (type === 'role.assigned' && holds)
          issue('data.personId', 'already_holds', `already holds ${d.role} on ${d.bodyId}`);
        if (type === 'role.vacated' && !holds)
          issue('data.personId', 'not_holding', `does not hold ${d.role} on ${d.bodyId}`);
        if (found.length === 0) view.setHolding(d.bodyId, d.personId, d.role, type === 'role.assigned');
        break;
      }
      case 'report.submitted': {
        const d: EventDataMap['report.submitted'] = data;
        alive('data.unitId', d.unitId);
        if (!view.directiveTargets(d.directiveId))
          issue('data.directiveId', 'unknown_directive', `no directive '${d.directiveId}'`);
        if (d.to !== undefined && !view.unitExists(d.to))
          issue('data.to', 'unknown_unit', `no unit '${d.to}'`);
        break;
      }
      case 'inspection.recorded': {
        const d: EventDataMap['inspection.recorded'] = data;
        if (!view.unitExists(d.inspectingUnitId))
          issue('data.inspectingUnitId', 'unknown_unit', `no unit '${d.inspectingUnitId}'`);
        for (const f of ['directiveId', 'underDirectiveId'] as const) {
          const id = d[f];
          if (id !== undefined && !view.directiveTargets(id))
            issue(`data.${f}`, 'unknown_directive', `no directive '${id}'`);
        }
        d.inspectedUnitIds.forEach((id, i) => {
          if (!view.unitExists(id)) issue(`data.inspectedUnitIds.${i}`, 'unknown_unit', `no unit '${id}'`);
        });
        break;
      }
      case 'rating.recorded':
        if (!view.unitExists((data as EventDataMap['rating.recorded']).unitId)) {
          issue(
            'data.unitId',
            'unknown_unit',
            `no unit '${(data as EventDataMap['rating.recorded']).unitId}'`,
          );
        }
        break;
    }
    issues.push(...found);
  }
  // A unit placed under a parent whose end is already recorded must leave it before that end: the merge,
  // split or dissolution passed on (or required away) only the children it knew of. Left behind, the unit
  // would hang under an ended unit — in today's tree even under itself, when the parent went into it.
  for (const { unitId, parentId, day, field } of placements) {
    const end = view.endDay(parentId);
    if (end === undefined || end <= day) continue;
    const leaves = view.nextMoveAfter(unitId, day);
    if (leaves === undefined || leaves >= end) {
      issues.push({
        path: field,
        rule: 'parent_ends',
        message: `'${parentId}' ends on ${dateFromDay(end)} with '${unitId}' still under it (placed there on ${dateFromDay(day)}); record where '${unitId}' goes before then, in the same batch, or place it elsewhere`,
      });
    }
  }
  return { issues, previous };
};

/** A directive's targets must name known units and groups, and target-met coverage must name a target. */
const checkTargets = (
  view: BatchView,
  targets: readonly Target[],
  targetIds: ReadonlySet<string>,
  base: string,
  issue: (field: string, rule: string, message: string) => void,
) => {
  targets.forEach((t, i) => {
    const at = `${base}.${i}`;
    const scope = t.appliesTo;
    if (scope.under !== undefined && !view.unitExists(scope.under))
      issue(`${at}.appliesTo.under`, 'unknown_unit', `no unit '${scope.under}'`);
    scope.units?.forEach((u, k) => {
      if (!view.unitExists(u)) issue(`${at}.appliesTo.units.${k}`, 'unknown_unit', `no unit '${u}'`);
    });
    if (scope.group !== undefined && !view.groupExists(scope.group))
      issue(`${at}.appliesTo.group`, 'unknown_group', `no group '${scope.group}'`);
    if (
      t.kind === 'coverage' &&
      t.predicate.predicate === 'target-met' &&
      !targetIds.has(t.predicate.targetId)
    ) {
      issue(
        `${at}.predicate.targetId`,
        'unknown_target',
        `no target '${t.predicate.targetId}' in this directive`,
      );
    }
    if (t.kind === 'report-deadline' && t.to !== undefined && !view.unitExists(t.to))
      issue(`${at}.to`, 'unknown_unit', `no unit '${t.to}'`);
  });
};
