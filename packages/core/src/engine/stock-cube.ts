import { AS_IS, AS_WAS, type ViewIndex } from './activity-cube.ts';
import { keyOf } from './day-series.ts';
import type { Hierarchy } from './hierarchy.ts';
import { packRollups, RollupSeries, unpackRollups } from './rollup-series.ts';
import { apportion } from './slots.ts';
import { offsetsOf, type SnapshotReader, type SnapshotWriter } from './snapshot-codec.ts';

/**
 * A unit's reported headcounts of one population, ordered by as-of day (a later report on a day replaces it),
 * and the unit's next population's timeline, in the order first reported. A chain, not a `Map` by slot nor a
 * list: a unit reports one or two populations, and at 10M events 100,000 small maps were 46 MB of the heap
 * (a map's table is 150–400 bytes); a list cost nearly as much (its backing store is 17 slots once pushed).
 */
interface StockTimeline {
  /** The population slot. */
  readonly slot: number;
  days: number[];
  counts: number[];
  next: StockTimeline | undefined;
}

const timelineOf = (head: StockTimeline | undefined, slot: number): StockTimeline | undefined => {
  for (let t = head; t !== undefined; t = t.next) if (t.slot === slot) return t;
  return undefined;
};

/** A unit's timelines in the order first reported. */
const chainOf = (head: StockTimeline | undefined): StockTimeline[] => {
  const out: StockTimeline[] = [];
  for (let t = head; t !== undefined; t = t.next) out.push(t);
  return out;
};

/** Own timelines of a checkpoint not yet asked for: its columns, and each unit's first row (-1: none left). */
interface PendingTimelines {
  readonly first: Int32Array;
  readonly units: Int32Array;
  readonly slots: Int32Array;
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
  readonly days: Int32Array;
  readonly counts: Float64Array;
}

const FAR_PAST = -1_000_000;
const FAR_FUTURE = 1_000_000;

/**
 * Headcounts are stocks: a unit's value on a day is its last report on or before that day, and a subtree's
 * value is the sum over the units in it that day. Stocks never sum over time.
 *
 * Each unit contributes a step function to the nodes above it. The roll-ups store the steps as deltas
 * (`+v` where a value starts counting under a node, `-v` where it stops), so a subtree's stock on day t
 * is its own value plus the sum of its descendants' deltas up to t. Any change to a unit's reports or place
 * in the tree retracts its steps and adds the new ones.
 */
export class StockCube {
  /** Units' own timelines by population slot; after a restore, only those asked for since (see #ownOf). */
  /** Each unit's first timeline (the rest chained from it). */
  readonly #own = new Map<number, StockTimeline>();
  #pending: PendingTimelines | undefined;
  readonly #desc: [(RollupSeries | undefined)[], (RollupSeries | undefined)[]] = [[], []];
  readonly #h: Hierarchy;

  constructor(hierarchy: Hierarchy) {
    this.#h = hierarchy;
  }

  /** Records that unit u had `count` of population slot `slot` on `day`. */
  report(u: number, slot: number, day: number, count: number): void {
    this.#roll(u, slot, -1);
    const head = this.#ownOf(u);
    let t = timelineOf(head, slot);
    if (!t) {
      t = { slot, days: [], counts: [], next: undefined };
      let last = head;
      while (last?.next !== undefined) last = last.next;
      if (last) last.next = t;
      else this.#own.set(u, t);
    }
    let i = t.days.length;
    while (i > 0 && t.days[i - 1]! > day) i--;
    if (i > 0 && t.days[i - 1] === day) t.counts[i - 1] = count;
    else {
      // New arrays of their length: a spliced array's store grows to 17 slots, for a few reports a unit.
      t.days = t.days.toSpliced(i, 0, day);
      t.counts = t.counts.toSpliced(i, 0, count);
    }
    this.#roll(u, slot, 1);
  }

  /** Re-attributes the stocks of `units` around a change of the tree. */
  reattribute(units: readonly number[], mutate: () => void): void {
    const affected = units.filter((u) => this.#ownOf(u) !== undefined);
    for (const u of affected) for (const t of chainOf(this.#own.get(u))) this.#roll(u, t.slot, -1);
    mutate();
    for (const u of affected) for (const t of chainOf(this.#own.get(u))) this.#roll(u, t.slot, 1);
  }

  /** The part of unit u's own stock on `day` that the as-is view gives to `node` (u merged or split into it). */
  ownShare(
    u: number,
    node: number,
    day: number,
    slots: readonly number[],
  ): { value: number; reported: boolean } {
    const r = this.#h.unit(u);
    if (!(r.registeredDay <= day && (r.end === undefined || day < r.end.day)))
      return { value: 0, reported: false };
    const targets = this.#h.asIsTargets(u);
    const index = targets.findIndex((t) => t.node === node);
    if (index < 0) return { value: 0, reported: false };
    let value = 0;
    let reported = false;
    for (const slot of slots) {
      const own = this.ownValue(u, slot, day);
      if (!own) continue;
      reported = true;
      value += apportion(
        own.count,
        targets.map((t) => t.weight),
      )[index]!;
    }
    return { value, reported };
  }

  /** The unit's own last reported value on or before `day` (undefined when none), ignoring its lifetime. */
  ownValue(u: number, slot: number, day: number): { count: number; day: number } | undefined {
    const t = timelineOf(this.#ownOf(u), slot);
    if (!t) return undefined;
    for (let i = t.days.length - 1; i >= 0; i--)
      if (t.days[i]! <= day) return { count: t.counts[i]!, day: t.days[i]! };
    return undefined;
  }

  /**
   * The subtree's stock on `day` in `view` for the slots in `slots` (or only the node's own, with `ownOnly`);
   * `reported` tells a zero from "nobody reported this population".
   */
  value(
    node: number,
    view: ViewIndex,
    day: number,
    slots: readonly number[],
    ownOnly = false,
  ): { value: number; reported: boolean } {
    let total = 0;
    let reported = false;
    if (this.#h.isActive(node, day)) {
      for (const slot of slots) {
        const own = this.ownValue(node, slot, day);
        if (own) {
          total += own.count;
          reported = true;
        }
      }
    }
    if (ownOnly || slots.length === 0) return { value: total, reported };
    const series = this.#desc[view][node];
    if (series) {
      const out = new Float64Array(2);
      if (series.sumDays(FAR_PAST, day, maskOf(slots), out) > 0) reported = true;
      total += out[0]!;
    }
    return { value: total, reported };
  }

  /** The last as-of day among unit u's own reports. */
  lastDay(u: number): number | undefined {
    let last: number | undefined;
    for (const t of chainOf(this.#ownOf(u))) {
      const d = t.days[t.days.length - 1];
      if (d !== undefined && (last === undefined || d > last)) last = d;
    }
    return last;
  }

  /** Whether any unit in the store reported this slot (to tell "no data" from zero). */
  hasReports(u: number, slot: number): boolean {
    return (timelineOf(this.#ownOf(u), slot)?.days.length ?? 0) > 0;
  }

  /** The stocks' state for a checkpoint. */
  exportState(w: SnapshotWriter) {
    this.#takeAllPending();
    const units: number[] = [];
    const slots: number[] = [];
    const lengths: number[] = [];
    const days: number[] = [];
    const counts: number[] = [];
    for (const [unit, head] of this.#own) {
      for (const t of chainOf(head)) {
        units.push(unit);
        slots.push(t.slot);
        lengths.push(t.days.length);
        days.push(...t.days);
        counts.push(...t.counts);
      }
    }
    return {
      units: w.blob(Int32Array.from(units)),
      slots: w.blob(Int32Array.from(slots)),
      lengths: w.blob(Int32Array.from(lengths)),
      days: w.blob(Int32Array.from(days)),
      counts: w.blob(Float64Array.from(counts)),
      was: packRollups(w, this.#desc[AS_WAS]),
      is: packRollups(w, this.#desc[AS_IS]),
    };
  }

  importState(r: SnapshotReader, state: ReturnType<StockCube['exportState']>): void {
    const units = r.i32(state.units);
    const slots = r.i32(state.slots);
    const lengths = r.i32(state.lengths);
    const days = r.i32(state.days);
    const counts = r.f64(state.counts);
    // Typed so that a call narrows like a throw does.
    const fail: (what: string) => never = (what) => {
      throw new RangeError(`StockCube.importState: ${what}`);
    };
    if (slots.length !== units.length || lengths.length !== units.length || counts.length !== days.length)
      fail('the timeline columns differ in length');
    // Timelines are built when a unit is first asked for (most never are between a restore and the next
    // checkpoint): building 130,000 of them at 10M was a tenth of a restore.
    let max = -1;
    for (const u of units) if (u > max) max = u;
    const first = new Int32Array(max + 1).fill(-1);
    const starts =
      offsetsOf(lengths, days.length) ??
      fail('the timelines do not cover their steps (or a length is negative)');
    for (let i = 0; i < units.length; i++) {
      const u = units[i]!;
      if (u < 0) fail(`row ${i} names unit ${u}`);
      if (i === 0 || units[i - 1] !== u) {
        if (first[u] !== -1) fail(`the timelines of unit ${u} are not together`);
        first[u] = i;
      }
      for (let j = first[u]!; j < i; j++) {
        if (slots[j] === slots[i]) fail(`unit ${u} has two timelines of slot ${slots[i]}`);
      }
    }
    this.#own.clear();
    this.#pending = units.length > 0 ? { first, units, slots, starts, lengths, days, counts } : undefined;
    unpackRollups(r, state.was, (u, s) => {
      this.#desc[AS_WAS][u] = s;
    });
    unpackRollups(r, state.is, (u, s) => {
      this.#desc[AS_IS][u] = s;
    });
  }

  /** Unit u's own timelines, built from the checkpoint's columns the first time they are asked for. */
  #ownOf(u: number): StockTimeline | undefined {
    const found = this.#own.get(u);
    const p = this.#pending;
    if (found !== undefined || p === undefined || u >= p.first.length || p.first[u]! < 0) return found;
    let head: StockTimeline | undefined;
    let last: StockTimeline | undefined;
    for (let i = p.first[u]!; i < p.units.length && p.units[i] === u; i++) {
      const at = p.starts[i]!;
      const end = at + p.lengths[i]!;
      const t: StockTimeline = {
        slot: p.slots[i]!,
        days: Array.from(p.days.subarray(at, end)),
        counts: Array.from(p.counts.subarray(at, end)),
        next: undefined,
      };
      if (last) last.next = t;
      else head = t;
      last = t;
    }
    p.first[u] = -1;
    if (head) this.#own.set(u, head);
    return head;
  }

  #takeAllPending(): void {
    const p = this.#pending;
    if (p === undefined) return;
    for (let u = 0; u < p.first.length; u++) this.#ownOf(u);
    this.#pending = undefined;
  }

  /** Adds sign × u's step function for one population to the roll-ups of both views. */
  #roll(u: number, slot: number, sign: 1 | -1) {
    const t = timelineOf(this.#ownOf(u), slot);
    if (!t || t.days.length === 0) return;
    const r = this.#h.unit(u);
    const end = r.end?.day ?? FAR_FUTURE;
    // as-was: the value counts under the ancestors of each day. It changes at report days, and wherever any
    // unit on the chain changes parent (a district moving takes its grassroots units' members with it).
    const chain: number[] = [];
    let from = Math.max(r.registeredDay, t.days[0]!);
    while (from < end) {
      const nextReport = t.days.find((d) => d > from) ?? FAR_FUTURE;
      const nextChange = this.#h.nextChainChange(u, from) ?? FAR_FUTURE;
      const to = Math.min(nextReport, nextChange, end);
      const v = this.#valueAt(t, from);
      // A count of 0 is a step too: it says the population was reported (see #addDesc).
      for (const a of this.#h.ancestorsAt(u, from, chain)) {
        this.#addDesc(a, AS_WAS, from, slot, sign * v, true);
        if (to < FAR_FUTURE) this.#addDesc(a, AS_WAS, to, slot, -sign * v);
      }
      from = to;
    }
    // as-is: the whole lifetime counts under today's place of the unit (or its successors, by weight).
    const targets = this.#h.isAsIsNode(u) ? [{ node: u, weight: 1 }] : this.#h.asIsTargets(u);
    const weights = targets.map((x) => x.weight);
    for (let i = 0; i < t.days.length; i++) {
      const from = t.days[i]!;
      if (from >= end) break;
      const to = i + 1 < t.days.length ? Math.min(t.days[i + 1]!, end) : end;
      const parts = apportion(t.counts[i]!, weights);
      targets.forEach((target, k) => {
        const nodes = target.node === u ? [] : [target.node];
        nodes.push(...this.#h.asIsAncestors(target.node, []));
        for (const n of nodes) {
          this.#addDesc(n, AS_IS, from, slot, sign * parts[k]!, true);
          if (to < FAR_FUTURE) this.#addDesc(n, AS_IS, to, slot, -sign * parts[k]!);
        }
      });
    }
  }

  #valueAt(t: StockTimeline, day: number) {
    for (let i = t.days.length - 1; i >= 0; i--) if (t.days[i]! <= day) return t.counts[i]!;
    return 0;
  }

  /**
   * Adds a step to a node's roll-up. A step of 0 where a value starts (`starts`) is kept as an entry of
   * nothing, so that the subtree says its population was reported — units that report 0 members have
   * reported, and their subtree's headcount is 0, not missing; a 0 where a value stops adds nothing.
   */
  #addDesc(node: number, view: ViewIndex, day: number, slot: number, delta: number, starts = false) {
    if (delta === 0 && !starts) return;
    const list = this.#desc[view];
    let s = list[node];
    if (s === undefined) {
      s = new RollupSeries();
      list[node] = s;
    }
    s.add(keyOf(day, slot), delta, 0);
  }
}

const maskOf = (slots: readonly number[]) => {
  const mask = new Uint8Array(Math.max(0, ...slots) + 1);
  for (const s of slots) mask[s] = 1;
  return mask;
};

export { AS_IS };
