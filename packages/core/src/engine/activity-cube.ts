import { DaySeries, dayOfKey, keyOf, slotOfKey } from './day-series.ts';
import type { Hierarchy } from './hierarchy.ts';
import { packRollups, RollupSeries, unpackRollups } from './rollup-series.ts';
import { apportion, Slots } from './slots.ts';
import { packSeries, type SnapshotReader, type SnapshotWriter, unpackSeries } from './snapshot-codec.ts';

/** 0 = as-was, 1 = as-is: an index into per-view structures. */
export type ViewIndex = 0 | 1;
export const AS_WAS: ViewIndex = 0;
export const AS_IS: ViewIndex = 1;

const ALL_KEYS: readonly [number, number] = [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];

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
  readonly #own: (DaySeries | undefined)[] = [];
  readonly #desc: [(RollupSeries | undefined)[], (RollupSeries | undefined)[]] = [[], []];
  readonly #h: Hierarchy;
  readonly #cell = new Float64Array(2);

  constructor(hierarchy: Hierarchy) {
    this.#h = hierarchy;
  }

  own(u: number): DaySeries | undefined {
    return this.#own[u];
  }

  /** The last day of unit u's own records. */
  lastDay(u: number): number | undefined {
    const key = this.#own[u]?.lastLiveKey ?? Number.NaN;
    return Number.isNaN(key) ? undefined : dayOfKey(key);
  }

  desc(node: number, view: ViewIndex): RollupSeries | undefined {
    return this.#desc[view][node];
  }

  /** Adds (count, turns) to unit u's own cell on (day, slot) and rolls the change up in both views. */
  add(u: number, day: number, slot: number, count: number, turns: number): void {
    if (count === 0 && turns === 0) return;
    const key = keyOf(day, slot);
    let own = this.#own[u];
    if (!own) {
      own = new DaySeries();
      this.#own[u] = own;
    }
    own.get(key, this.#cell);
    const oldCount = this.#cell[0]!;
    const oldTurns = this.#cell[1]!;
    own.add(key, count, turns);
    if (own.zeros * 2 >= own.length && own.zeros > 0) own.compact();
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
  }

  /**
   * Re-attributes the history of `units` around a change of the tree made by `mutate`: as-was from
   * `fromDay` on (a change effective that day cannot touch earlier days), as-is for all days, touching only
   * the nodes whose attribution actually changes.
   */
  reattribute(units: readonly number[], fromDay: number, mutate: () => void): void {
    const withHistory = units.filter((u) => this.#own[u] !== undefined);
    const before = withHistory.map((u) => this.#asIsNodes(u));
    this.#rollWas(withHistory, fromDay, -1);
    mutate();
    this.#rollWas(withHistory, fromDay, 1);
    withHistory.forEach((u, i) => {
      const old = before[i]!;
      const now = this.#asIsNodes(u);
      const own = this.#own[u]!;
      if (old.split || now.split) {
        this.#rollAsIsAll(u, own, old.targets, -1);
        this.#rollAsIsAll(u, own, now.targets, 1);
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
    this.#own[node]?.sumRange(from, to, mask, out);
    this.#desc[view][node]?.sumDays(fromDay, toDay, mask, out);
  }

  /** Sums only a unit's own records. */
  sumOwn(u: number, fromDay: number, toDay: number, mask: Uint8Array | null, out: Float64Array): void {
    this.#own[u]?.sumRange(keyOf(fromDay, 0), keyOf(toDay + 1, 0) - 1, mask, out);
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
    this.#own[u]?.forEachInRange(keyOf(fromDay, 0), keyOf(toDay + 1, 0) - 1, (key, a, b) => {
      if (mask !== null && mask[slotOfKey(key)] !== 1) return;
      out[0]! += apportion(a, weights)[index]!;
      out[1]! += apportion(b, weights)[index]!;
    });
  }

  /** Bytes held by all series, for memory accounting. */
  get byteLength(): number {
    let bytes = 0;
    for (const s of this.#own) bytes += s?.byteLength ?? 0;
    for (const list of this.#desc) for (const s of list) bytes += s?.byteLength ?? 0;
    return bytes;
  }

  /** What the cube holds, for memory accounting: series, their entries and bytes, by part. */
  footprint() {
    const part = (list: readonly (DaySeries | RollupSeries | undefined)[]) => {
      let series = 0;
      let entries = 0;
      let bytes = 0;
      for (const s of list) {
        if (!s) continue;
        series++;
        entries += s.length;
        bytes += s.byteLength;
      }
      return { series, entries, bytes };
    };
    return { own: part(this.#own), was: part(this.#desc[AS_WAS]), is: part(this.#desc[AS_IS]) };
  }

  /** The cube's state for a checkpoint. */
  exportState(w: SnapshotWriter) {
    const own = this.#own.flatMap((s, owner) => (s ? [{ owner, data: s.toData() }] : []));
    return {
      slots: this.slots.entries(),
      own: packSeries(w, own),
      was: packRollups(w, this.#desc[AS_WAS]),
      is: packRollups(w, this.#desc[AS_IS]),
    };
  }

  importState(r: SnapshotReader, state: ReturnType<ActivityCube['exportState']>): void {
    this.slots.importState(state.slots);
    unpackSeries(r, state.own, (u, data) => {
      this.#own[u] = DaySeries.fromData(data);
    });
    unpackRollups(r, state.was, (u, s) => {
      this.#desc[AS_WAS][u] = s;
    });
    unpackRollups(r, state.is, (u, s) => {
      this.#desc[AS_IS][u] = s;
    });
  }

  #addDesc(node: number, view: ViewIndex, key: number, a: number, b: number) {
    if (a === 0 && b === 0) return;
    const list = this.#desc[view];
    let s = list[node];
    if (s === undefined) {
      s = new RollupSeries();
      list[node] = s;
    }
    s.add(key, a, b);
    // Re-attribution empties the roll-ups history leaves (the as-is view of every district the 2025
    // reorganisation dissolved): their entries go, and a roll-up with none left goes with them.
    if (a < 0 || b < 0) {
      s.dropZeros();
      if (s.length === 0) list[node] = undefined;
    }
  }

  #rollAsIsSingle(u: number, target: number, key: number, a: number, b: number) {
    if (target !== u) this.#addDesc(target, AS_IS, key, a, b);
    for (const n of this.#h.asIsChain(target)) this.#addDesc(n, AS_IS, key, a, b);
  }

  /** Adds sign × the apportionment of (a, b) among split successors. */
  #rollAsIsSplit(
    u: number,
    targets: readonly { node: number; weight: number }[],
    key: number,
    a: number,
    b: number,
    sign: 1 | -1,
  ) {
    const weights = targets.map((t) => t.weight);
    const pa = apportion(a, weights);
    const pb = apportion(b, weights);
    targets.forEach((t, i) => {
      this.#rollAsIsSingle(u, t.node, key, sign * pa[i]!, sign * pb[i]!);
    });
  }

  #rollAsIsAll(
    u: number,
    own: DaySeries,
    targets: readonly { node: number; weight: number }[],
    sign: 1 | -1,
  ) {
    own.forEachInRange(ALL_KEYS[0], ALL_KEYS[1], (key, a, b) => {
      if (targets.length === 1) this.#rollAsIsSingle(u, targets[0]!.node, key, sign * a, sign * b);
      else this.#rollAsIsSplit(u, targets, key, a, b, sign);
    });
  }

  /** The nodes that receive u's history in the as-is view (u itself excluded), and whether it is divided. */
  #asIsNodes(u: number) {
    const targets = this.#h.isAsIsNode(u) ? [{ node: u, weight: 1 }] : this.#h.asIsTargets(u);
    const nodes = new Set<number>();
    for (const t of targets) {
      if (t.node !== u) nodes.add(t.node);
      for (const n of this.#h.asIsAncestors(t.node, [])) nodes.add(n);
    }
    return { targets, nodes, split: targets.length > 1 };
  }

  #rollWas(units: readonly number[], fromDay: number, sign: 1 | -1) {
    const chain: number[] = [];
    for (const u of units) {
      this.#own[u]!.forEachInRange(keyOf(fromDay, 0), ALL_KEYS[1], (key, a, b) => {
        for (const n of this.#h.ancestorsAt(u, dayOfKey(key), chain))
          this.#addDesc(n, AS_WAS, key, sign * a, sign * b);
      });
    }
  }
}
