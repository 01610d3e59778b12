import type { Engine } from '../engine/engine.ts';
import type { Level } from '../events/organisation.ts';
import type { ActivityState } from './activity-state.ts';

interface NewUnit {
  level: Level;
  registeredDay: number;
  parent: string | null;
}

/**
 * The projections as they will stand after the events of a batch checked so far: the engine's state with
 * the batch's own changes laid over it, so a batch may register a unit and record its activity together.
 */
export class BatchView {
  readonly engine: Engine;
  readonly #newUnits = new Map<string, NewUnit>();
  /** Units the batch ends: the day, and the units they pass into (none for a dissolution). */
  readonly #ends = new Map<string, { day: number; successors: readonly string[] }>();
  readonly #moves = new Map<string, { day: number; parent: string }[]>();
  readonly #lastRecord = new Map<string, number>();
  readonly newDirectives = new Map<string, Set<string>>();
  readonly withdrawn = new Set<string>();
  readonly adoptions = new Set<string>();
  readonly newBodies = new Map<string, { unit: string; day: number }>();
  readonly #holds = new Map<string, boolean>();
  readonly newGroups = new Set<string>();
  readonly activities = new Map<string, ActivityState>();
  /** Streams of the entities read from the projections: the batch's decision depends on them. */
  readonly dependsOn = new Set<string>();

  constructor(engine: Engine) {
    this.engine = engine;
  }

  #index(id: string) {
    const u = this.engine.hierarchy.indexOf(id);
    if (u !== undefined) this.dependsOn.add(`unit-${id}`);
    return u;
  }

  unitExists(id: string): boolean {
    return this.#newUnits.has(id) || this.#index(id) !== undefined;
  }

  levelOf(id: string): Level | undefined {
    const n = this.#newUnits.get(id);
    if (n) return n.level;
    const u = this.#index(id);
    return u === undefined ? undefined : this.engine.hierarchy.unit(u).level;
  }

  registeredDay(id: string): number | undefined {
    const n = this.#newUnits.get(id);
    if (n) return n.registeredDay;
    const u = this.#index(id);
    return u === undefined ? undefined : this.engine.hierarchy.unit(u).registeredDay;
  }

  endDay(id: string): number | undefined {
    const overlay = this.#ends.get(id);
    if (overlay !== undefined) return overlay.day;
    const u = this.#index(id);
    return u === undefined ? undefined : this.engine.hierarchy.unit(u).end?.day;
  }

  activeAt(id: string, day: number): boolean {
    const reg = this.registeredDay(id);
    if (reg === undefined || reg > day) return false;
    const end = this.endDay(id);
    return end === undefined || day < end;
  }

  parentAt(id: string, day: number): string | null {
    const moved = (this.#moves.get(id) ?? [])
      .filter((m) => m.day <= day)
      .sort((a, b) => a.day - b.day)
      .pop();
    if (moved) return moved.parent;
    const n = this.#newUnits.get(id);
    if (n) return n.parent;
    const u = this.#index(id);
    if (u === undefined) return null;
    const p = this.engine.hierarchy.parentAt(u, day);
    return p < 0 ? null : this.engine.hierarchy.unit(p).id;
  }

  /** The first day after `day` on which the unit's parent changes by a recorded move, if any. */
  nextMoveAfter(id: string, day: number): number | undefined {
    let next: number | undefined;
    const consider = (from: number) => {
      if (from > day && (next === undefined || from < next)) next = from;
    };
    for (const m of this.#moves.get(id) ?? []) consider(m.day);
    const u = this.#index(id);
    if (u !== undefined) for (const p of this.engine.hierarchy.unit(u).parents) consider(p.from);
    return next;
  }

  /** Units placed under `id` (registered or moved) on a day after `day`. */
  placedUnderAfter(id: string, day: number): string[] {
    const out = new Set<string>();
    for (const [c, n] of this.#newUnits) if (n.parent === id && n.registeredDay > day) out.add(c);
    for (const [c, moves] of this.#moves) if (moves.some((m) => m.parent === id && m.day > day)) out.add(c);
    const u = this.#index(id);
    if (u !== undefined) {
      const h = this.engine.hierarchy;
      for (const c of h.everChildren(u)) {
        if (h.unit(c).parents.some((p) => p.value === u && p.from > day)) out.add(h.unit(c).id);
      }
    }
    return [...out];
  }

  /**
   * Units that end into `id` (merged or split into it) after `day`. On the same day is a chain (districts into
   * a province that merges too, as in 2025), not a conflict.
   */
  passingIntoAfter(id: string, day: number): string[] {
    const out = new Set<string>();
    for (const [p, end] of this.#ends) if (end.successors.includes(id) && end.day > day) out.add(p);
    const u = this.#index(id);
    if (u !== undefined) {
      const h = this.engine.hierarchy;
      for (const p of h.predecessors(u)) if (h.unit(p).end!.day > day) out.add(h.unit(p).id);
    }
    return [...out];
  }

  /** Whether `ancestor` is `id` or above it on `day`. */
  isWithin(id: string, ancestor: string, day: number): boolean {
    let p: string | null = id;
    for (let depth = 0; p !== null && depth < 64; depth++) {
      if (p === ancestor) return true;
      p = this.parentAt(p, day);
    }
    return false;
  }

  /** Active children of a unit on a day. */
  childrenAt(id: string, day: number): string[] {
    const h = this.engine.hierarchy;
    const candidates = new Set<string>();
    const u = this.#index(id);
    if (u !== undefined) for (const c of h.everChildren(u)) candidates.add(h.unit(c).id);
    for (const [c, n] of this.#newUnits) if (n.parent === id) candidates.add(c);
    for (const [c, moves] of this.#moves) if (moves.some((m) => m.parent === id)) candidates.add(c);
    return [...candidates].filter((c) => this.activeAt(c, day) && this.parentAt(c, day) === id);
  }

  lastRecordDay(id: string): number | undefined {
    const overlay = this.#lastRecord.get(id);
    const u = this.#index(id);
    const engine = u === undefined ? undefined : this.engine.lastRecordDay(u);
    return overlay === undefined ? engine : engine === undefined ? overlay : Math.max(overlay, engine);
  }

  groupExists(id: string): boolean {
    if (this.newGroups.has(id)) return true;
    this.dependsOn.add(`group-${id}`);
    return this.engine.records.groups.has(id);
  }

  directiveTargets(id: string): Set<string> | undefined {
    const fresh = this.newDirectives.get(id);
    if (fresh) return fresh;
    this.dependsOn.add(`directive-${id}`);
    const d = this.engine.records.directives.get(id);
    return d ? new Set(d.targets.keys()) : undefined;
  }

  isWithdrawn(id: string): boolean {
    return this.withdrawn.has(id) || this.engine.records.directives.get(id)?.withdrawnDay !== undefined;
  }

  isAdopted(directive: string, unit: string): boolean {
    if (this.adoptions.has(`${directive}\u0000${unit}`)) return true;
    const u = this.#index(unit);
    return u !== undefined && (this.engine.records.directives.get(directive)?.adoptions.has(u) ?? false);
  }

  bodyExists(id: string): boolean {
    if (this.newBodies.has(id)) return true;
    this.dependsOn.add(`body-${id}`);
    return this.engine.records.bodies.has(id);
  }

  bodyStart(id: string): number | undefined {
    return this.newBodies.get(id)?.day ?? this.engine.records.bodies.get(id)?.constitutedDay;
  }

  holds(body: string, person: string, role: string): boolean {
    const overlay = this.#holds.get(`${body}\u0000${person}\u0000${role}`);
    if (overlay !== undefined) return overlay;
    this.dependsOn.add(`body-${body}`);
    const b = this.engine.records.bodies.get(body);
    return b !== undefined && this.engine.records.currentHolding(b, person, role) !== undefined;
  }

  // Changes made by events of the batch that passed their checks.
  registerUnit(id: string, unit: NewUnit): void {
    this.#newUnits.set(id, unit);
  }
  moveUnit(id: string, parent: string, day: number): void {
    const list = this.#moves.get(id) ?? [];
    list.push({ day, parent });
    this.#moves.set(id, list);
  }
  endUnit(id: string, day: number, successors: readonly string[] = []): void {
    this.#ends.set(id, { day, successors });
  }
  recordOn(id: string, day: number): void {
    this.#lastRecord.set(id, Math.max(day, this.#lastRecord.get(id) ?? day));
  }
  setHolding(body: string, person: string, role: string, holds: boolean): void {
    this.#holds.set(`${body}\u0000${person}\u0000${role}`, holds);
  }
}
