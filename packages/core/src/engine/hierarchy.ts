import { LEVEL_RANK, Level } from '../events/organisation.ts';
import {
  ListIndex,
  NO_DAY,
  offsetsOf,
  type PackedIntLists,
  packIntLists,
  SnapshotReader,
  SnapshotWriter,
  type StringColumn,
} from './snapshot-codec.ts';

/** How a unit ceased: with no successor, into one unit, or divided among several by weight. */
export type UnitEnd =
  | { readonly day: number; readonly kind: 'dissolved' }
  | { readonly day: number; readonly kind: 'merged'; readonly into: number }
  | {
      readonly day: number;
      readonly kind: 'split';
      readonly into: readonly { readonly unit: number; readonly weight: number }[];
      readonly historyTo: number;
    };

interface Dated<T> {
  from: number;
  value: T;
}

export interface UnitRecord {
  readonly index: number;
  readonly id: string;
  readonly level: Level;
  readonly registeredDay: number;
  /** Name changes, ordered by effective day. */
  names: Dated<{ name: string; shortName: string | undefined }>[];
  /** Parent changes, ordered by effective day; -1 is "no parent" (a root). */
  parents: Dated<number>[];
  end: UnitEnd | undefined;
  readonly groups: { group: string; from: number; to: number | undefined }[];
}

const MAX_DEPTH = 64;

/** Levels by their code in a checkpoint. */
const LEVELS = Level.options;

/**
 * The timeline with `value` from `from` on: the entry of that day changed in place, or a new array with the
 * entry inserted. New rather than spliced: a spliced array's store grows to 17 slots, and a unit's timelines
 * hold one to three entries (130,000 units' parents at 10M were 17 MB of mostly empty slots).
 */
const upsert = <T>(timeline: Dated<T>[], from: number, value: T): Dated<T>[] => {
  let i = timeline.length;
  while (i > 0 && timeline[i - 1]!.from > from) i--;
  if (i > 0 && timeline[i - 1]!.from === from) {
    timeline[i - 1]!.value = value;
    return timeline;
  }
  return timeline.toSpliced(i, 0, { from, value });
};

const at = <T>(timeline: readonly Dated<T>[], day: number): T | undefined => {
  for (let i = timeline.length - 1; i >= 0; i--) if (timeline[i]!.from <= day) return timeline[i]!.value;
  return undefined;
};

/**
 * The organisation over time. Every change is effective-dated, so the tree can be read as it stood on any
 * day (the as-was view) and as it stands now (the as-is view), whatever order the changes were recorded in.
 */
/** A parent's ever-children by first day under it; `ranks` give their order in {@link Hierarchy.everChildren}. */
export interface Arrivals {
  readonly days: readonly number[];
  readonly ranks: readonly number[];
  readonly children: readonly number[];
}

/** A restored tree's columns, from which a unit's record is built when first asked for. */
interface PendingUnits {
  readonly ids: readonly (string | undefined)[];
  readonly levels: Uint8Array;
  readonly registered: Int32Array;
  /** Per unit, where its entries start in each timeline's columns (one more than units: the ends). */
  readonly nameAt: Int32Array;
  readonly parentAt: Int32Array;
  readonly groupAt: Int32Array;
  readonly nameFrom: Int32Array;
  readonly names: StringColumn;
  readonly shortNames: StringColumn;
  readonly parentFrom: Int32Array;
  readonly parents: Int32Array;
  readonly groupFrom: Int32Array;
  readonly groupTo: Int32Array;
  readonly groups: readonly (string | undefined)[];
  readonly ends: ReadonlyMap<number, UnitEnd>;
  /** How many are left to build. */
  left: number;
}

export class Hierarchy {
  /** Unit records by index; after a restore, only those asked for since (see {@link unit}). */
  readonly #units: (UnitRecord | undefined)[] = [];
  #pending: PendingUnits | undefined;
  readonly #byId = new Map<string, number>();
  /** Every unit that was ever a child of a unit, at any time (a superset of any day's children). */
  readonly #everChildren = new Map<number, Set<number>>();
  /** Units merged or split into a unit, directly. */
  readonly #absorbed = new Map<number, number[]>();
  /** A restore's ever-children and absorbed lists, put in the maps above on first use (see {@link #childrenOf}). */
  #pendingChildren: ListIndex<Int32Array> | undefined;
  #pendingAbsorbed: ListIndex<Int32Array> | undefined;
  /**
   * Caches of ancestor chains. Activity arrives in time order, so the same unit's chain is asked for again
   * and again; a change to a unit's place forgets the chains of its ever-subtree (see {@link #changedUnder}).
   */
  #wasCache: ({ from: number; to: number; chain: readonly number[] } | undefined)[] = [];
  #isCache: (readonly number[] | undefined)[] = [];
  /** Where a chain is found before its copy is cached. */
  readonly #scratch: number[] = [];
  /** Per parent, its ever-children ordered by the first day each was its child (see {@link childrenByArrival}). */
  #arrivals = new Map<number, Arrivals>();

  /** Bumped whenever a unit gains an ever-child or an absorbed unit: what {@link everSubtree} reads. */
  #revision = 0;

  /** Changes whenever {@link everSubtree} may answer differently for some unit: for caches of it. */
  get revision(): number {
    return this.#revision;
  }

  #changed() {
    this.#wasCache = [];
    this.#isCache = [];
    this.#arrivals.clear();
  }

  /**
   * Forgets what a change to u's place (its parents, or its end and so its successors) may have changed: the
   * cached chains of u's ever-subtree, the only units whose chains pass through u in either view, and the
   * children's orders. Not every chain: the synthetic 1M log moves a unit every 86 activities, and each
   * move used to send the fold back to walking the chains of all 14,000 units.
   */
  #changedUnder(u: number) {
    for (const v of this.everSubtree(u)) {
      this.#wasCache[v] = undefined;
      this.#isCache[v] = undefined;
    }
    this.#arrivals.clear();
  }

  indexOf(id: string): number | undefined {
    return this.#byId.get(id);
  }

  unit(index: number): UnitRecord {
    const u = this.#units[index] ?? this.#build(index);
    if (!u) throw new RangeError(`no unit #${index}`);
    return u;
  }

  /** Every unit, by index (builds the records a restore has not built yet). */
  get units(): readonly UnitRecord[] {
    for (let u = 0; this.#pending !== undefined && u < this.#units.length; u++) this.unit(u);
    return this.#units as UnitRecord[];
  }

  get size(): number {
    return this.#units.length;
  }

  /** How many units have their record built: all after a fold, those asked for since a restore or a compaction. */
  get built(): number {
    return this.#units.length - (this.#pending?.left ?? 0);
  }

  /**
   * Puts the tree back into the form a restore leaves it in: its columns, each unit's record built again on
   * first use. A fold from the log builds every record (a record and its names, parents and groups arrays and
   * their entries: seven objects a unit, 36 MB of heap at 10M events) and caches every chain; a query or an
   * append needs the few it reads. The same tree, the same answers.
   */
  compact(): void {
    const w = new SnapshotWriter();
    const header = this.exportState(w);
    const r = new SnapshotReader(w.finish(header));
    this.#units.length = 0;
    this.#pending = undefined;
    this.#byId.clear();
    this.#everChildren.clear();
    this.#absorbed.clear();
    this.#pendingChildren = undefined;
    this.#pendingAbsorbed = undefined;
    this.importState(r, r.header as ReturnType<Hierarchy['exportState']>);
  }

  register(id: string, level: Level, parent: number, day: number, name: string, shortName?: string): number {
    const index = this.#units.length;
    this.#units.push({
      index,
      id,
      level,
      registeredDay: day,
      names: [{ from: day, value: { name, shortName } }],
      parents: [{ from: day, value: parent }],
      end: undefined,
      groups: [],
    });
    this.#byId.set(id, index);
    if (parent >= 0) this.#addChild(parent, index);
    // A new unit changes no existing chain; its own are computed on first use.
    return index;
  }

  rename(u: number, day: number, name: string, shortName?: string): void {
    const r = this.unit(u);
    r.names = upsert(r.names, day, { name, shortName });
  }

  move(u: number, parent: number, day: number): void {
    this.#changedUnder(u);
    const r = this.unit(u);
    r.parents = upsert(r.parents, day, parent);
    this.#addChild(parent, u);
  }

  /** Ends `u` into `into`; the children it still has that day pass to `into`. */
  merge(u: number, into: number, day: number): void {
    this.#changedUnder(u);
    for (const c of this.childrenAt(u, day)) this.move(c, into, day);
    this.unit(u).end = { day, kind: 'merged', into };
    this.#absorb(into, u);
  }

  /** Ends `u`, divided among successors; each child passes to the successor `childTo` names (else `historyTo`). */
  split(
    u: number,
    into: readonly { unit: number; weight: number }[],
    historyTo: number,
    childTo: ReadonlyMap<number, number>,
    day: number,
  ): void {
    this.#changedUnder(u);
    for (const c of this.childrenAt(u, day)) this.move(c, childTo.get(c) ?? historyTo, day);
    this.unit(u).end = { day, kind: 'split', into, historyTo };
    for (const s of into) this.#absorb(s.unit, u);
  }

  dissolve(u: number, day: number): void {
    // A dissolved unit stays a node of today's tree and keeps its parents: no chain changes.
    this.#arrivals.clear();
    this.unit(u).end = { day, kind: 'dissolved' };
  }

  joinGroup(u: number, group: string, day: number): void {
    this.unit(u).groups.push({ group, from: day, to: undefined });
  }

  leaveGroup(u: number, group: string, day: number): void {
    const g = this.unit(u).groups.findLast((m) => m.group === group && m.to === undefined);
    if (g) g.to = day;
  }

  inGroupAt(u: number, group: string, day: number): boolean {
    return this.unit(u).groups.some(
      (m) => m.group === group && m.from <= day && (m.to === undefined || day < m.to),
    );
  }

  /** Whether the unit existed on `day`: registered by then and not yet ended. */
  isActive(u: number, day: number): boolean {
    const r = this.unit(u);
    return r.registeredDay <= day && (r.end === undefined || day < r.end.day);
  }

  /** The parent on `day` (-1 for a root, or before registration). */
  parentAt(u: number, day: number): number {
    return at(this.unit(u).parents, day) ?? -1;
  }

  nameAt(u: number, day: number): string {
    const r = this.unit(u);
    return (at(r.names, day) ?? r.names[0]!.value).name;
  }

  /** The current name (the latest recorded). */
  name(u: number): string {
    const names = this.unit(u).names;
    return names[names.length - 1]!.value.name;
  }

  /**
   * Strict ancestors on `day`, nearest first, shared and cached: do not modify the array. Valid until the
   * tree next changes.
   */
  chainAt(u: number, day: number): readonly number[] {
    const c = this.#wasCache[u];
    if (c !== undefined && day >= c.from && day < c.to) return c.chain;
    // Found in scratch and kept as a copy sized to the chain (a pushed array's store is 17 slots): 116,000
    // are cached at 10M.
    const chain = this.ancestorsAt(u, day, this.#scratch).slice();
    // The chain holds from the last change at or before `day` to the next one after it.
    let from = Number.NEGATIVE_INFINITY;
    let n = u;
    for (let depth = 0; n >= 0 && depth <= MAX_DEPTH; depth++) {
      const parents = this.unit(n).parents;
      for (let i = parents.length - 1; i >= 0; i--) {
        if (parents[i]!.from <= day) {
          if (parents[i]!.from > from) from = parents[i]!.from;
          break;
        }
      }
      n = this.parentAt(n, day);
    }
    const to = this.nextChainChange(u, day) ?? Number.POSITIVE_INFINITY;
    this.#wasCache[u] = { from, to, chain };
    return chain;
  }

  /** Strict ancestors of a node in today's tree, shared and cached: do not modify the array. */
  asIsChain(node: number): readonly number[] {
    let c = this.#isCache[node];
    if (c === undefined) {
      c = this.asIsAncestors(node, this.#scratch).slice();
      this.#isCache[node] = c;
    }
    return c;
  }

  /** Strict ancestors on `day`, nearest first, written into `out` (cleared first). */
  ancestorsAt(u: number, day: number, out: number[]): number[] {
    out.length = 0;
    let p = this.parentAt(u, day);
    while (p >= 0) {
      out.push(p);
      if (out.length > MAX_DEPTH) throw new Error(`cycle in the hierarchy above unit ${this.unit(u).id}`);
      p = this.parentAt(p, day);
    }
    return out;
  }

  /**
   * The first day after `day` on which `u`'s chain of ancestors changes (any unit on the chain that day
   * changes parent), or undefined when it never does.
   */
  nextChainChange(u: number, day: number): number | undefined {
    let next: number | undefined;
    let n = u;
    for (let depth = 0; n >= 0 && depth <= MAX_DEPTH; depth++) {
      for (const entry of this.unit(n).parents) {
        if (entry.from > day) {
          if (next === undefined || entry.from < next) next = entry.from;
          break;
        }
      }
      n = this.parentAt(n, day);
    }
    return next;
  }

  /** Whether `ancestor` is `u` or above it on `day`. */
  isWithinAt(u: number, ancestor: number, day: number): boolean {
    let p = u;
    for (let depth = 0; p >= 0 && depth <= MAX_DEPTH; depth++) {
      if (p === ancestor) return true;
      p = this.parentAt(p, day);
    }
    return false;
  }

  /** Children on `day`: active that day and under `u`. */
  childrenAt(u: number, day: number): number[] {
    const out: number[] = [];
    for (const c of this.#childrenOf(u) ?? [])
      if (this.isActive(c, day) && this.parentAt(c, day) === u) out.push(c);
    return out;
  }

  /** Units in the subtree of `u` on `day` (u included when active), depth first. */
  subtreeAt(u: number, day: number): number[] {
    const out: number[] = [];
    const visit = (n: number) => {
      out.push(n);
      for (const c of this.childrenAt(n, day)) visit(c);
    };
    if (this.isActive(u, day)) visit(u);
    return out;
  }

  /** Every unit that was ever a direct child of `u`. */
  everChildren(u: number): ReadonlySet<number> {
    return this.#childrenOf(u) ?? new Set();
  }

  /**
   * Every unit that was ever a direct child of `u`, with the first day it was one, ordered by that day. A
   * period's children are then a prefix: after the 2025 reorganisation a province has thousands of
   * ever-children, of which a period before it needs only the dozen districts.
   */
  childrenByArrival(u: number): Arrivals {
    const cached = this.#arrivals.get(u);
    if (cached) return cached;
    const children = [...this.everChildren(u)];
    const firsts = children.map((c) => this.#firstDayUnder(c, u));
    // Days and units in separate arrays: in one array literal with a day (a double when it is Infinity) the
    // unit indices became doubles too, and every query reading them deoptimised the code that took them as
    // small integers, again and again (a breakdown's 1-5 ms tail).
    const order = children.map((_, i) => i).sort((a, b) => firsts[a]! - firsts[b]! || a - b);
    const arrivals = {
      days: order.map((i) => firsts[i]!),
      ranks: order,
      children: order.map((i) => children[i]!),
    };
    this.#arrivals.set(u, arrivals);
    return arrivals;
  }

  /**
   * The first day unit c was u's child. Read from a restore's columns when c's record is not built: a
   * province's breakdown orders thousands of ever-children, of which it reports a dozen.
   */
  #firstDayUnder(c: number, u: number): number {
    let first = Number.POSITIVE_INFINITY;
    const p = this.#pending;
    if (this.#units[c] === undefined && p !== undefined) {
      const registered = p.registered[c]!;
      for (let k = p.parentAt[c]!; k < p.parentAt[c + 1]!; k++)
        if (p.parents[k] === u) first = Math.min(first, Math.max(p.parentFrom[k]!, registered));
      return first;
    }
    const r = this.unit(c);
    for (const parent of r.parents)
      if (parent.value === u) first = Math.min(first, Math.max(parent.from, r.registeredDay));
    return first;
  }

  /** Every unit that was ever below `u`, or absorbed into it or its descendants: a superset for re-attribution. */
  everSubtree(u: number): number[] {
    const seen = new Set<number>([u]);
    const stack = [u];
    while (stack.length > 0) {
      const n = stack.pop()!;
      for (const c of [...(this.#childrenOf(n) ?? []), ...(this.#absorbedInto(n) ?? [])]) {
        if (!seen.has(c)) {
          seen.add(c);
          stack.push(c);
        }
      }
    }
    return [...seen];
  }

  /**
   * Every unit whose {@link everSubtree} holds `u` (u excluded): each parent it ever had, each unit it was
   * merged or split into, and theirs in turn.
   */
  everAncestors(u: number): number[] {
    const seen = new Set<number>();
    const stack = [u];
    const visit = (n: number) => {
      if (n >= 0 && n !== u && !seen.has(n)) {
        seen.add(n);
        stack.push(n);
      }
    };
    while (stack.length > 0) {
      const r = this.unit(stack.pop()!);
      for (const p of r.parents) visit(p.value);
      if (r.end?.kind === 'merged') visit(r.end.into);
      else if (r.end?.kind === 'split') for (const s of r.end.into) visit(s.unit);
    }
    return [...seen];
  }

  /** Whether `u` is a node of today's tree: still active, or dissolved (kept as a ghost under its last parent). */
  isAsIsNode(u: number): boolean {
    const end = this.unit(u).end;
    return end === undefined || end.kind === 'dissolved';
  }

  /** The node of today's tree that keeps `u`'s indivisible history: itself, or its (primary) successor. */
  primaryNode(u: number): number {
    let n = u;
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      const end = this.unit(n).end;
      if (end === undefined || end.kind === 'dissolved') return n;
      n = end.kind === 'merged' ? end.into : end.historyTo;
    }
    throw new Error(`cycle in successors of unit ${this.unit(u).id}`);
  }

  /** Today's parent of a node of today's tree (-1 for a root). */
  asIsParent(node: number): number {
    const parents = this.unit(node).parents;
    const p = parents[parents.length - 1]!.value;
    return p < 0 ? -1 : this.primaryNode(p);
  }

  /** Strict ancestors of a node in today's tree, nearest first, into `out`. */
  asIsAncestors(node: number, out: number[]): number[] {
    out.length = 0;
    let p = this.asIsParent(node);
    while (p >= 0) {
      out.push(p);
      if (out.length > MAX_DEPTH) throw new Error(`cycle in today's tree above ${this.unit(node).id}`);
      p = this.asIsParent(p);
    }
    return out;
  }

  /**
   * Where `u`'s history counts today: itself if it is still a node, else its successors, with the share of
   * the history each receives (weights normalised to sum to 1, multiplied along chains of successions).
   */
  asIsTargets(u: number): { node: number; weight: number }[] {
    const end = this.unit(u).end;
    if (end === undefined || end.kind === 'dissolved') return [{ node: u, weight: 1 }];
    if (end.kind === 'merged') return this.asIsTargets(end.into);
    const total = end.into.reduce((s, i) => s + i.weight, 0);
    const merged = new Map<number, number>();
    for (const part of end.into) {
      for (const t of this.asIsTargets(part.unit)) {
        merged.set(t.node, (merged.get(t.node) ?? 0) + (t.weight * part.weight) / total);
      }
    }
    return [...merged].map(([node, weight]) => ({ node, weight }));
  }

  /** Units that ended by merging or splitting into `node` (directly), in the order they were recorded. */
  predecessors(node: number): readonly number[] {
    return this.#absorbedInto(node) ?? [];
  }

  /** Units no longer in today's tree whose history (or a share of it) passes straight to `node`. */
  absorbedInto(node: number): number[] {
    const out: number[] = [];
    const seen = new Set<number>();
    const stack = [...(this.#absorbedInto(node) ?? [])];
    while (stack.length > 0) {
      const u = stack.pop()!;
      if (seen.has(u)) continue;
      seen.add(u);
      if (!this.isAsIsNode(u) && this.asIsTargets(u).some((t) => t.node === node)) out.push(u);
      stack.push(...(this.#absorbedInto(u) ?? []));
    }
    return out.sort((a, b) => a - b);
  }

  /** Children of a node in today's tree: active units whose current parent it is, and ghosts resolved to it. */
  asIsChildren(node: number): number[] {
    const candidates = new Set<number>();
    const stack = [node];
    const seen = new Set<number>();
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const c of this.#childrenOf(n) ?? []) candidates.add(c);
      for (const a of this.#absorbedInto(n) ?? []) stack.push(a);
    }
    return [...candidates].filter((c) => this.isAsIsNode(c) && this.asIsParent(c) === node);
  }

  /** Nodes in the subtree of a node of today's tree (itself included), depth first. */
  asIsSubtree(node: number): number[] {
    const out: number[] = [];
    const visit = (n: number) => {
      out.push(n);
      for (const c of this.asIsChildren(n)) visit(c);
    };
    visit(node);
    return out;
  }

  /**
   * The tree's state for a checkpoint, in columns: one array per field (timelines flattened, with a count per
   * unit), strings in the body, and the ever-children and absorbed lists as they are, so a restored tree is
   * the same tree — at national scale a JSON tree was the largest part of a restore.
   */
  exportState(w: SnapshotWriter) {
    this.#takeAllLists();
    const n = this.size;
    const ids: string[] = [];
    const levels = new Uint8Array(n);
    const registered = new Int32Array(n);
    const nameCounts = new Int32Array(n);
    const nameFrom: number[] = [];
    const names: string[] = [];
    const shortNames: (string | undefined)[] = [];
    const parentCounts = new Int32Array(n);
    const parentFrom: number[] = [];
    const parents: number[] = [];
    const groupCounts = new Int32Array(n);
    const groupFrom: number[] = [];
    const groupTo: number[] = [];
    const groups: string[] = [];
    const ends: [number, UnitEnd][] = [];
    for (const u of this.units) {
      ids.push(u.id);
      levels[u.index] = LEVELS.indexOf(u.level);
      registered[u.index] = u.registeredDay;
      nameCounts[u.index] = u.names.length;
      for (const m of u.names) {
        nameFrom.push(m.from);
        names.push(m.value.name);
        shortNames.push(m.value.shortName);
      }
      parentCounts[u.index] = u.parents.length;
      for (const p of u.parents) {
        parentFrom.push(p.from);
        parents.push(p.value);
      }
      groupCounts[u.index] = u.groups.length;
      for (const g of u.groups) {
        groups.push(g.group);
        groupFrom.push(g.from);
        groupTo.push(g.to ?? NO_DAY);
      }
      if (u.end) ends.push([u.index, u.end]);
    }
    return {
      ids: w.strings(ids),
      levels: w.blob(levels),
      registered: w.blob(registered),
      nameCounts: w.blob(nameCounts),
      nameFrom: w.blob(Int32Array.from(nameFrom)),
      names: w.strings(names),
      shortNames: w.strings(shortNames),
      parentCounts: w.blob(parentCounts),
      parentFrom: w.blob(Int32Array.from(parentFrom)),
      parents: w.blob(Int32Array.from(parents)),
      groupCounts: w.blob(groupCounts),
      groupFrom: w.blob(Int32Array.from(groupFrom)),
      groupTo: w.blob(Int32Array.from(groupTo)),
      groups: w.strings(groups),
      /** Few units have ended: their ends stay plain data. */
      ends,
      everChildren: packIntLists(
        w,
        [...this.#everChildren].map(([parent, children]) => [parent, [...children]] as const),
        1,
      ),
      absorbed: packIntLists(w, this.#absorbed, 1),
    };
  }

  /**
   * Restores a checkpoint written by {@link exportState} into this (empty) hierarchy, checking its shape.
   * Unit records are built from the columns when first asked for ({@link unit}): building 130,000 of them
   * (seven objects each) was the largest part of a 10M restore, and a query reads a few chains.
   */
  importState(r: SnapshotReader, state: ReturnType<Hierarchy['exportState']>): void {
    if (this.size > 0) throw new Error('Hierarchy.importState: the hierarchy is not empty');
    this.#changed();
    this.#revision++;
    const ids = r.strings(state.ids);
    const n = ids.length;
    const levels = r.u8(state.levels);
    const registered = r.i32(state.registered);
    const nameCounts = r.i32(state.nameCounts);
    const nameFrom = r.i32(state.nameFrom);
    // Decoded a unit at a time, when its record is built.
    const names = r.stringColumn(state.names);
    const shortNames = r.stringColumn(state.shortNames);
    const parentCounts = r.i32(state.parentCounts);
    const parentFrom = r.i32(state.parentFrom);
    const parents = r.i32(state.parents);
    const groupCounts = r.i32(state.groupCounts);
    const groupFrom = r.i32(state.groupFrom);
    const groupTo = r.i32(state.groupTo);
    const groups = r.strings(state.groups);
    // Typed so that a call narrows like a throw does.
    const fail: (what: string) => never = (what) => {
      throw new RangeError(`Hierarchy.importState: ${what}`);
    };
    if ([levels, registered, nameCounts, parentCounts, groupCounts].some((a) => a.length !== n))
      fail('the unit columns differ in length');
    if (names.length !== nameFrom.length || shortNames.length !== nameFrom.length)
      fail('the name columns differ in length');
    if (parents.length !== parentFrom.length) fail('the parent columns differ in length');
    if (groups.length !== groupFrom.length || groupTo.length !== groupFrom.length)
      fail('the group columns differ in length');
    const nameAt = offsetsOf(nameCounts, names.length) ?? fail('the name counts do not cover the names');
    const parentAt =
      offsetsOf(parentCounts, parents.length) ?? fail('the parent counts do not cover the parents');
    const groupAt = offsetsOf(groupCounts, groups.length) ?? fail('the group counts do not cover the groups');
    for (let index = 0; index < n; index++) {
      const id = ids[index];
      if (levels[index]! >= LEVELS.length || id === undefined) fail(`unit #${index} has no level or id`);
      if (nameCounts[index]! < 1 || parentCounts[index]! < 1) fail(`unit #${index} has no name or parent`);
      for (let k = parentAt[index]!; k < parentAt[index + 1]!; k++) {
        const p = parents[k]!;
        if (p < -1 || p >= n) fail(`unit #${index} names parent #${p} of ${n}`);
      }
      this.#byId.set(id, index);
    }
    for (let i = 0; i < names.length; i++) if (names.isNull(i)) fail(`name #${i} is missing`);
    for (let i = 0; i < groups.length; i++) if (groups[i] === undefined) fail(`group #${i} is missing`);
    const ends = new Map<number, UnitEnd>();
    for (const [index, end] of state.ends) {
      if (!(index >= 0 && index < n)) fail(`an end names unit #${index} of ${n}`);
      ends.set(index, end);
    }
    this.#units.length = n;
    this.#pending =
      n === 0
        ? undefined
        : {
            ids,
            levels,
            registered,
            nameAt,
            parentAt,
            groupAt,
            nameFrom,
            names,
            shortNames,
            parentFrom,
            parents,
            groupFrom,
            groupTo,
            groups,
            ends,
            left: n,
          };
    // Checked now, put in their maps when a unit's are first asked for (11,000 sets at 10M).
    const lists = (ref: PackedIntLists) => {
      const index = ListIndex.ints(r, ref, 1);
      index.scan((key, items, start, end) => {
        if (key >= n) fail(`a list names unit #${key} of ${n}`);
        for (let k = start; k < end; k++) {
          const x = items[k]!;
          if (x < 0 || x >= n) fail(`unit #${key}'s list names unit #${x} of ${n}`);
        }
      });
      return index;
    };
    this.#pendingChildren = lists(state.everChildren);
    this.#pendingAbsorbed = lists(state.absorbed);
  }

  /** Unit u's ever-children, taken from a restore's lists the first time they are asked for. */
  #childrenOf(u: number): Set<number> | undefined {
    const found = this.#everChildren.get(u);
    if (found !== undefined || this.#pendingChildren === undefined) return found;
    const items = this.#pendingChildren.take(u);
    if (items === undefined) return undefined;
    const set = new Set(items);
    this.#everChildren.set(u, set);
    return set;
  }

  /** The units merged or split into u, taken from a restore's lists the first time they are asked for. */
  #absorbedInto(u: number): number[] | undefined {
    const found = this.#absorbed.get(u);
    if (found !== undefined || this.#pendingAbsorbed === undefined) return found;
    const items = this.#pendingAbsorbed.take(u);
    if (items === undefined) return undefined;
    const list = Array.from(items);
    this.#absorbed.set(u, list);
    return list;
  }

  #takeAllLists(): void {
    this.#pendingChildren?.forEachOwner((u) => this.#childrenOf(u));
    this.#pendingAbsorbed?.forEachOwner((u) => this.#absorbedInto(u));
    this.#pendingChildren = undefined;
    this.#pendingAbsorbed = undefined;
  }

  /** Builds unit `index`'s record from a restore's columns; undefined when there is no such unit. */
  #build(index: number): UnitRecord | undefined {
    const p = this.#pending;
    if (p === undefined || !(index >= 0 && index < this.#units.length)) return undefined;
    // Arrays of their length (a pushed array's store is 17 slots; see upsert).
    const firstName = p.nameAt[index]!;
    const unitNames: UnitRecord['names'] = Array.from(
      { length: p.nameAt[index + 1]! - firstName },
      (_, k) => ({
        from: p.nameFrom[firstName + k]!,
        value: { name: p.names.get(firstName + k)!, shortName: p.shortNames.get(firstName + k) },
      }),
    );
    const firstParent = p.parentAt[index]!;
    const unitParents: UnitRecord['parents'] = Array.from(
      { length: p.parentAt[index + 1]! - firstParent },
      (_, k) => ({ from: p.parentFrom[firstParent + k]!, value: p.parents[firstParent + k]! }),
    );
    const unitGroups: UnitRecord['groups'] = [];
    for (let i = p.groupAt[index]!; i < p.groupAt[index + 1]!; i++) {
      const to = p.groupTo[i]!;
      unitGroups.push({ group: p.groups[i]!, from: p.groupFrom[i]!, to: to === NO_DAY ? undefined : to });
    }
    const record: UnitRecord = {
      index,
      id: p.ids[index]!,
      level: LEVELS[p.levels[index]!]!,
      registeredDay: p.registered[index]!,
      names: unitNames,
      parents: unitParents,
      end: p.ends.get(index),
      groups: unitGroups,
    };
    this.#units[index] = record;
    if (--p.left === 0) this.#pending = undefined;
    return record;
  }

  /** Whether `child`'s level may sit under `parent`'s. */
  static levelFits(child: Level, parent: Level): boolean {
    return LEVEL_RANK[child] > LEVEL_RANK[parent];
  }

  #addChild(parent: number, child: number) {
    this.#revision++;
    this.#arrivals.delete(parent);
    const set = this.#childrenOf(parent);
    if (set) set.add(child);
    else this.#everChildren.set(parent, new Set([child]));
  }

  #absorb(into: number, u: number) {
    this.#revision++;
    const list = this.#absorbedInto(into);
    if (!list) this.#absorbed.set(into, [u]);
    else if (!list.includes(u)) list.push(u);
  }
}
