import { DaySeries, dayOfKey, keyOf, slotOfKey } from './day-series.ts';
import type { Hierarchy } from './hierarchy.ts';
import { PendingRollups, packRollups, RollupSeries, seriesOf } from './rollup-series.ts';
import { apportion, Slots } from './slots.ts';
import { ListIndex, packSeries, type SnapshotReader, type SnapshotWriter } from './snapshot-codec.ts';
import { SubtreeMembers } from './subtree-members.ts';
import { REPACK_FROM, WordPool } from './word-pool.ts';

/** A pool for a cube's series' words (see {@link WordPool}): chunks of 4 MiB. */
const seriesPool = () => new WordPool((n) => new Float64Array(n), 2 ** 19);

/** 0 = as-was, 1 = as-is: an index into per-view structures. */
export type ViewIndex = 0 | 1;
export const AS_WAS: ViewIndex = 0;
export const AS_IS: ViewIndex = 1;

const ALL_KEYS: readonly [number, number] = [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];

/** Where a unit's history goes in the as-is view (see {@link ActivityCube}'s `#asIsNodes`). */
interface AsIsPlacement {
  readonly targets: readonly { node: number; weight: number }[];
  /** Each target's ancestors in today's tree, as they were when the placement was taken. */
  readonly chains: readonly (readonly number[])[];
  /** Every node receiving some of the history (the unit itself excluded). */
  readonly nodes: ReadonlySet<number>;
  readonly split: boolean;
}

/** See {@link ActivityCubeOptions.dayRollupFrom}. */
export const DAY_ROLLUP_FROM = 512;

export interface ActivityCubeOptions {
  /**
   * How many units with records of their own a node must have had below it (in either view, at any time)
   * for its roll-ups to keep sums by day (default 512). Every roll-up keeps sums by month; below this, the
   * days of a partial month are summed from those units' own series when asked — a few hundred binary
   * searches — instead of kept: at 10M events the districts' day sums were 4.8 million entries.
   */
  readonly dayRollupFrom?: number;
  /**
   * Bytes of free blocks in the series' pool past which {@link ActivityCube.repack} moves the series into a
   * new one, when they are also a sixteenth of the pool (default 4 MiB; see {@link WordPool.wantsRepack}).
   */
  readonly repackFrom?: number;
}

/**
 * Activity counts and turns per (unit, day, kind × channel), with roll-ups so that any subtree × period is
 * answered from at most two series:
 *
 * - `own(u)`: what unit u itself recorded. Authoritative.
 * - `desc(n, view)`: everything recorded below n, in that view, by day and by month (see
 *   {@link RollupSeries}). as-was: each contribution counts under the ancestors the unit had on the
 *   activity's day. as-is: under today's ancestors of the unit's successor(s).
 *
 * subtree(n) = own(n) + desc(n). Hierarchy changes re-attribute history by retracting the affected units'
 * contributions, changing the tree, and restoring them, so the roll-ups always equal a fold from scratch.
 */
export class ActivityCube {
  readonly slots = new Slots();
  /** Units' own series; after a restore, only those asked for since (see {@link #ownOf}). */
  readonly #own: (DaySeries | undefined)[] = [];
  /** The restored own series not built yet: each unit's entries in the checkpoint's data. */
  #pending: ListIndex<Float64Array> | undefined;
  /** Per view, nodes' roll-ups; after a restore, only those asked for since (see {@link #descOf}). */
  readonly #desc: [(RollupSeries | undefined)[], (RollupSeries | undefined)[]] = [[], []];
  readonly #pendingDesc: [PendingRollups | undefined, PendingRollups | undefined] = [undefined, undefined];
  readonly #h: Hierarchy;
  readonly #cell = new Float64Array(2);
  #dayRollupFrom: number;
  /**
   * Per node, the units with records of their own in its {@link Hierarchy.everSubtree} (itself excluded): the
   * units whose own series {@link #sumBelow} reads, and what decides whether its roll-ups keep day sums.
   */
  #reach: Int32Array = new Int32Array(64);
  /** Own series created so far: what tells {@link #contributors} a unit has joined. */
  #ownSeries = 0;
  /** Per node, the units with records of their own in its ever-subtree (itself included). */
  readonly #contributors: SubtreeMembers;
  /** Every series' words, own and roll-ups: see {@link WordPool}. */
  #pool = seriesPool();
  readonly #repackFrom: number;

  constructor(hierarchy: Hierarchy, options: ActivityCubeOptions = {}) {
    this.#h = hierarchy;
    this.#contributors = new SubtreeMembers(
      hierarchy,
      (u) => this.#has(u),
      () => this.#ownSeries,
    );
    const from = options.dayRollupFrom ?? DAY_ROLLUP_FROM;
    if (!(Number.isInteger(from) && from >= 0))
      throw new RangeError(`dayRollupFrom must be a whole number >= 0, got ${from}`);
    this.#dayRollupFrom = from;
    this.#repackFrom = options.repackFrom ?? REPACK_FROM;
  }

  own(u: number): DaySeries | undefined {
    return this.#ownOf(u);
  }

  /** The last day of unit u's own records. */
  lastDay(u: number): number | undefined {
    const key = this.#ownOf(u)?.lastLiveKey ?? Number.NaN;
    return Number.isNaN(key) ? undefined : dayOfKey(key);
  }

  desc(node: number, view: ViewIndex): RollupSeries | undefined {
    return this.#descOf(view, node);
  }

  /** Adds (count, turns) to unit u's own cell on (day, slot) and rolls the change up in both views. */
  add(u: number, day: number, slot: number, count: number, turns: number): void {
    if (count === 0 && turns === 0) return;
    const key = keyOf(day, slot);
    let own = this.#ownOf(u);
    const first = own === undefined;
    if (!own) {
      own = new DaySeries(this.#pool);
      this.#own[u] = own;
      this.#ownSeries += 1;
    }
    own.get(key, this.#cell);
    const oldCount = this.#cell[0]!;
    const oldTurns = this.#cell[1]!;
    own.add(key, count, turns);
    own.compactIfSparse();
    for (const a of this.#h.chainAt(u, day)) this.#addDesc(a, AS_WAS, key, count, turns);
    if (this.#h.isAsIsNode(u)) {
      this.#rollAsIsSingle(u, u, key, count, turns);
    } else {
      const targets = this.#h.asIsTargets(u);
      if (targets.length === 1) this.#rollAsIsSingle(u, targets[0]!.node, key, count, turns);
      else {
        this.#rollAsIsSplit(u, targets, key, oldCount, oldTurns, -1);
        this.#rollAsIsSplit(u, targets, key, oldCount + count, oldTurns + turns, 1);
      }
    }
    // Counted after the roll-ups: a node reaching the threshold now fills its day sums from the own series.
    if (first) this.#reached(this.#h.everAncestors(u));
  }

  /** Whether a node's roll-ups keep sums by day (else partial months are summed from the units below). */
  keepsDays(node: number): boolean {
    return (this.#reach[node] ?? 0) >= this.#dayRollupFrom;
  }

  /**
   * Re-attributes the history of `units` around a change of the tree made by `mutate`: as-was from
   * `fromDay` on (a change effective that day cannot touch earlier days), as-is for all days, touching only
   * the nodes whose attribution actually changes.
   */
  reattribute(units: readonly number[], fromDay: number, mutate: () => void): void {
    const withHistory = units.filter((u) => this.#ownOf(u) !== undefined);
    const before = withHistory.map((u) => this.#asIsNodes(u));
    const ancestors = withHistory.map((u) => new Set(this.#h.everAncestors(u)));
    this.#rollWas(withHistory, fromDay, -1);
    mutate();
    this.#rollWas(withHistory, fromDay, 1);
    const reached: number[] = [];
    withHistory.forEach((u, i) => {
      for (const a of this.#h.everAncestors(u)) if (!ancestors[i]!.has(a)) reached.push(a);
    });
    withHistory.forEach((u, i) => {
      const old = before[i]!;
      const now = this.#asIsNodes(u);
      const own = this.#own[u]!;
      if (old.split || now.split) {
        // Taken back along the chains the successors had before the change: it is what was added there.
        this.#rollAsIsAll(u, own, old, -1);
        this.#rollAsIsAll(u, own, now, 1);
        return;
      }
      const removed = [...old.nodes].filter((n) => !now.nodes.has(n));
      const added = [...now.nodes].filter((n) => !old.nodes.has(n));
      if (removed.length === 0 && added.length === 0) return;
      own.forEachInRange(ALL_KEYS[0], ALL_KEYS[1], (key, a, b) => {
        for (const n of removed) this.#addDesc(n, AS_IS, key, -a, -b);
        for (const n of added) this.#addDesc(n, AS_IS, key, a, b);
      });
    });
    this.#reached(reached);
  }

  /** Sums a node's subtree (own + descendants in `view`) over days `[fromDay, toDay]` into `out` ([count, turns]). */
  sum(
    node: number,
    view: ViewIndex,
    fromDay: number,
    toDay: number,
    mask: Uint8Array | null,
    out: Float64Array,
  ): void {
    const from = keyOf(fromDay, 0);
    const to = keyOf(toDay + 1, 0) - 1;
    this.#ownOf(node)?.sumRange(from, to, mask, out);
    const desc = this.#descOf(view, node);
    // No roll-up: nothing was ever recorded below the node (or all of it was taken back).
    if (desc === undefined) return;
    if (this.keepsDays(node)) desc.sumDays(fromDay, toDay, mask, out);
    else
      desc.sumDays(fromDay, toDay, mask, out, (f, t, m, o) => {
        this.#sumBelow(node, view, keyOf(f, 0), keyOf(t + 1, 0) - 1, m, o);
        return 0;
      });
  }

  /** Sums only a unit's own records. */
  sumOwn(u: number, fromDay: number, toDay: number, mask: Uint8Array | null, out: Float64Array): void {
    this.#ownOf(u)?.sumRange(keyOf(fromDay, 0), keyOf(toDay + 1, 0) - 1, mask, out);
  }

  /**
   * Sums the part of unit u's own records that the as-is view gives to `node` (u merged or split into it):
   * all of it for a single successor, else each cell's apportioned part, exactly as the roll-ups add it.
   */
  sumOwnShare(
    u: number,
    node: number,
    fromDay: number,
    toDay: number,
    mask: Uint8Array | null,
    out: Float64Array,
  ): void {
    const targets = this.#h.asIsTargets(u);
    const index = targets.findIndex((t) => t.node === node);
    if (index < 0) return;
    if (targets.length === 1) {
      this.sumOwn(u, fromDay, toDay, mask, out);
      return;
    }
    const weights = targets.map((t) => t.weight);
    this.#ownOf(u)?.forEachInRange(keyOf(fromDay, 0), keyOf(toDay + 1, 0) - 1, (key, a, b) => {
      if (mask !== null && mask[slotOfKey(key)] !== 1) return;
      out[0]! += apportion(a, weights)[index]!;
      out[1]! += apportion(b, weights)[index]!;
    });
  }

  /** Bytes held by all series, for memory accounting. */
  get byteLength(): number {
    const { own, was, is } = this.footprint();
    return own.bytes + was.bytes + is.bytes;
  }

  /** What the cube holds, for memory accounting: series, their entries and bytes, by part. */
  footprint() {
    // Built series as they are, and those a restore has not built yet from the checkpoint's words (three an
    // entry, 8 bytes each), without building them.
    const part = (
      list: readonly (DaySeries | RollupSeries | undefined)[],
      pending:
        | { forEachOwner(fn: (owner: number, words: number, entries: number) => void): void }
        | undefined,
    ) => {
      let series = 0;
      let entries = 0;
      let bytes = 0;
      for (const s of list) {
        if (!s) continue;
        series++;
        entries += s.length;
        bytes += s.byteLength;
      }
      pending?.forEachOwner((_, words, n) => {
        series++;
        entries += n;
        bytes += words * 8;
      });
      return { series, entries, bytes };
    };
    return {
      /** The chunks the built series' words are carved from; their free words are in no part below. */
      pool: this.#pool.footprint(),
      own: part(this.#own, this.#pending),
      was: part(this.#desc[AS_WAS], this.#pendingDesc[AS_WAS]),
      is: part(this.#desc[AS_IS], this.#pendingDesc[AS_IS]),
    };
  }

  /**
   * Moves every built series into a new pool, end to end, when the current one is mostly room series
   * outgrew ({@link WordPool.wantsRepack}); the old chunks go with the last series that held them. For the
   * idle refresh. Returns whether it did.
   */
  repack(): boolean {
    if (!this.#pool.wantsRepack(this.#repackFrom)) return false;
    const pool = seriesPool();
    for (const s of this.#own) s?.moveTo(pool);
    for (const view of [AS_WAS, AS_IS] as const) {
      for (const s of this.#desc[view]) {
        s?.days.moveTo(pool);
        s?.months.moveTo(pool);
      }
      const pending = this.#pendingDesc[view];
      if (pending !== undefined) pending.pool = pool;
    }
    this.#pool = pool;
    return true;
  }

  /** The cube's state for a checkpoint. */
  exportState(w: SnapshotWriter) {
    // Series not built since a restore go back as the checkpoint's entries: a checkpoint builds nothing.
    const own: { owner: number; data: Float64Array; stride: number }[] = [];
    this.#own.forEach((s, owner) => {
      if (s !== undefined) own.push(seriesOf(owner, s));
    });
    this.#pending?.forEachOwner((owner) => {
      own.push({ owner, data: this.#pending!.words(owner)!, stride: this.#pending!.width(owner) });
    });
    this.#takeAllDesc();
    return {
      slots: this.slots.entries(),
      dayRollupFrom: this.#dayRollupFrom,
      reach: w.blob(this.#reach.slice(0, this.#h.size)),
      own: packSeries(w, own),
      was: packRollups(w, this.#desc[AS_WAS]),
      is: packRollups(w, this.#desc[AS_IS]),
    };
  }

  importState(r: SnapshotReader, state: ReturnType<ActivityCube['exportState']>): void {
    this.slots.importState(state.slots);
    this.#dayRollupFrom = state.dayRollupFrom;
    this.#reach = r.i32(state.reach);
    // Own series and roll-ups are built when first asked for: most never are between a restore and the
    // next checkpoint, and building 128,000 own series and 22,000 roll-ups (each scanned for its zero
    // entries) was a fifth of a restore at 10M.
    this.#own.length = 0;
    this.#pending = ListIndex.series(r, state.own);
    this.#ownSeries = this.#pending.size;
    this.#desc[AS_WAS].length = 0;
    this.#desc[AS_IS].length = 0;
    // The series let go of above hold their chunks; a new pool lets those go with them.
    this.#pool = seriesPool();
    this.#pendingDesc[AS_WAS] = new PendingRollups(r, state.was, this.#pool);
    this.#pendingDesc[AS_IS] = new PendingRollups(r, state.is, this.#pool);
  }

  /** Whether unit u has records of its own (without building its series). */
  #has(u: number): boolean {
    return this.#own[u] !== undefined || (this.#pending?.has(u) ?? false);
  }

  /** Unit u's own series, built from the checkpoint's entries the first time it is asked for. */
  #ownOf(u: number): DaySeries | undefined {
    const found = this.#own[u];
    if (found !== undefined || this.#pending === undefined) return found;
    const pending = this.#pending;
    const stride = pending.width(u);
    const at = pending.takeAt(u);
    if (at < 0) return undefined;
    const s = DaySeries.fromData(pending.data, stride, this.#pool, at, pending.taken);
    this.#own[u] = s;
    return s;
  }

  /** A node's roll-up in `view`, built from the checkpoint's entries the first time it is asked for. */
  #descOf(view: ViewIndex, node: number): RollupSeries | undefined {
    const found = this.#desc[view][node];
    if (found !== undefined) return found;
    const s = this.#pendingDesc[view]?.take(node);
    if (s !== undefined) this.#desc[view][node] = s;
    return s;
  }

  #takeAllDesc(): void {
    for (const view of [AS_WAS, AS_IS] as const) {
      const p = this.#pendingDesc[view];
      p?.forEachOwner((node) => this.#descOf(view, node));
      this.#pendingDesc[view] = undefined;
    }
  }

  #addDesc(node: number, view: ViewIndex, key: number, a: number, b: number) {
    if (a === 0 && b === 0) return;
    const list = this.#desc[view];
    let s = this.#descOf(view, node);
    if (s === undefined) {
      s = RollupSeries.empty(this.#pool);
      list[node] = s;
    }
    s.add(key, a, b, this.keepsDays(node));
    // Re-attribution empties the roll-ups history leaves (the as-is view of every district the 2025
    // reorganisation dissolved): their entries go, and a roll-up with none left goes with them.
    if (a < 0 || b < 0) {
      s.dropZeros();
      if (s.length === 0) list[node] = undefined;
    }
  }

  /** Counts one more unit with records of its own below each of `nodes`; fills the day sums of those that reach the threshold. */
  #reached(nodes: readonly number[]) {
    if (nodes.length === 0) return;
    let max = 0;
    for (const n of nodes) if (n > max) max = n;
    if (max >= this.#reach.length) {
      const next = new Int32Array(Math.max(max + 1, this.#reach.length * 2));
      next.set(this.#reach);
      this.#reach = next;
    }
    for (const n of nodes) {
      this.#reach[n]! += 1;
      if (this.#reach[n] !== this.#dayRollupFrom) continue;
      for (const view of [AS_WAS, AS_IS] as const) {
        const s = this.#descOf(view, n);
        if (s === undefined) continue;
        const days = new DaySeries(this.#pool);
        this.#eachBelow(n, view, ALL_KEYS[0], ALL_KEYS[1], null, (key, a, b) => days.add(key, a, b));
        days.compact();
        this.#desc[view][n] = new RollupSeries(days, s.months);
      }
    }
  }

  /**
   * Sums into `out` what the units below `node` give its roll-up in `view` for keys `[fromKey, toKey]` with a
   * slot in `mask`: the day sums of a roll-up that does not keep them ({@link keepsDays}).
   */
  #sumBelow(
    node: number,
    view: ViewIndex,
    fromKey: number,
    toKey: number,
    mask: Uint8Array | null,
    out: Float64Array,
  ) {
    let a = 0;
    let b = 0;
    this.#eachBelow(node, view, fromKey, toKey, mask, (_, x, y) => {
      a += x;
      b += y;
    });
    out[0]! += a;
    out[1]! += b;
  }

  /**
   * Calls `fn` with each own entry of the units below `node` in `[fromKey, toKey]` (slot in `mask`) as `node`'s
   * roll-up in `view` receives it — exactly what {@link add} and {@link reattribute} add there: as-was when
   * the node is on the unit's chain that day; as-is the unit's part for each successor the node is or is above.
   */
  #eachBelow(
    node: number,
    view: ViewIndex,
    fromKey: number,
    toKey: number,
    mask: Uint8Array | null,
    fn: (key: number, a: number, b: number) => void,
  ) {
    for (const u of this.#contributors.of(node)) {
      // The node's own records are not in its roll-up.
      if (u === node) continue;
      const own = this.#ownOf(u)!;
      if (view === AS_WAS) {
        own.forEachInRange(fromKey, toKey, (key, a, b) => {
          if (mask !== null && mask[slotOfKey(key)] !== 1) return;
          if (this.#h.chainAt(u, dayOfKey(key)).includes(node)) fn(key, a, b);
        });
        continue;
      }
      const { targets, chains } = this.#successors(u);
      const parts: number[] = [];
      targets.forEach((t, i) => {
        if ((t.node !== u && t.node === node) || chains[i]!.includes(node)) parts.push(i);
      });
      if (parts.length === 0) continue;
      const weights = targets.map((t) => t.weight);
      own.forEachInRange(fromKey, toKey, (key, a, b) => {
        if (mask !== null && mask[slotOfKey(key)] !== 1) return;
        if (targets.length === 1) {
          fn(key, a, b);
          return;
        }
        const pa = apportion(a, weights);
        const pb = apportion(b, weights);
        for (const i of parts) fn(key, pa[i]!, pb[i]!);
      });
    }
  }

  /** Adds (a, b) to `target` (unless it is u) and to `chain`, its ancestors today unless given. */
  #rollAsIsSingle(
    u: number,
    target: number,
    key: number,
    a: number,
    b: number,
    chain: readonly number[] = this.#h.asIsChain(target),
  ) {
    if (target !== u) this.#addDesc(target, AS_IS, key, a, b);
    for (const n of chain) this.#addDesc(n, AS_IS, key, a, b);
  }

  /** Adds sign × the apportionment of (a, b) among split successors (along `chains`, one a successor, when given). */
  #rollAsIsSplit(
    u: number,
    targets: readonly { node: number; weight: number }[],
    key: number,
    a: number,
    b: number,
    sign: 1 | -1,
    chains?: readonly (readonly number[])[],
  ) {
    const weights = targets.map((t) => t.weight);
    const pa = apportion(a, weights);
    const pb = apportion(b, weights);
    targets.forEach((t, i) => {
      this.#rollAsIsSingle(u, t.node, key, sign * pa[i]!, sign * pb[i]!, chains?.[i]);
    });
  }

  /**
   * Adds or takes back all of u's history along the successors' chains as {@link #asIsNodes} took them —
   * before a change of the tree for what it takes back (its chains then are not today's).
   */
  #rollAsIsAll(u: number, own: DaySeries, at: AsIsPlacement, sign: 1 | -1) {
    const { targets, chains } = at;
    own.forEachInRange(ALL_KEYS[0], ALL_KEYS[1], (key, a, b) => {
      if (targets.length === 1) this.#rollAsIsSingle(u, targets[0]!.node, key, sign * a, sign * b, chains[0]);
      else this.#rollAsIsSplit(u, targets, key, a, b, sign, chains);
    });
  }

  /**
   * Where u's history goes in the as-is view now: its successors (itself when it is a node of today's tree)
   * with their weights and their chains of ancestors, the nodes that receive any of it (u itself excluded),
   * and whether it is divided.
   */
  #asIsNodes(u: number): AsIsPlacement {
    const { targets, chains } = this.#successors(u);
    const nodes = new Set<number>();
    targets.forEach((t, i) => {
      if (t.node !== u) nodes.add(t.node);
      for (const n of chains[i]!) nodes.add(n);
    });
    return { targets, chains, nodes, split: targets.length > 1 };
  }

  /** u's successors in the as-is view (itself when it is a node of today's tree) and each one's ancestors. */
  #successors(u: number) {
    const targets = this.#h.isAsIsNode(u) ? [{ node: u, weight: 1 }] : this.#h.asIsTargets(u);
    return { targets, chains: targets.map((t) => this.#h.asIsChain(t.node)) };
  }

  #rollWas(units: readonly number[], fromDay: number, sign: 1 | -1) {
    const chain: number[] = [];
    for (const u of units) {
      this.#ownOf(u)!.forEachInRange(keyOf(fromDay, 0), ALL_KEYS[1], (key, a, b) => {
        for (const n of this.#h.ancestorsAt(u, dayOfKey(key), chain))
          this.#addDesc(n, AS_WAS, key, sign * a, sign * b);
      });
    }
  }
}
