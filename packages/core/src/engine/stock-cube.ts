import { AS_IS, AS_WAS, type ViewIndex } from './activity-cube.ts';
import { keyOf } from './day-series.ts';
import type { Hierarchy } from './hierarchy.ts';
import { packRollups, RollupSeries, unpackRollups } from './rollup-series.ts';
import { apportion } from './slots.ts';
import { offsetsOf, type SnapshotReader, type SnapshotWriter } from './snapshot-codec.ts';

/**
 * Units' reported headcounts, one timeline (row) per unit and population: its as-of days ascending (a later
 * report on a day replaces it) with their counts, a block of `capacity` steps in two shared columns, and the
 * unit's next population's row, in the order first reported. Columns, not an object with two arrays per
 * timeline: at 10M, 100,000 units' timelines as objects in a `Map` were about 340 bytes each of heap (the
 * map's entry, the object, two arrays and their stores) for a few reports apiece. A row that outgrows its
 * block moves to the end of the columns with twice the room. The blocks left behind are never more than
 * the blocks in use (a row's earlier blocks are together smaller than its current one: a few MB at 10M),
 * and a checkpoint writes the rows end to end without them.
 */
class Timelines {
  /** By unit: its first row, -1 when it has none. */
  #first = new Int32Array(64).fill(-1);
  // By row.
  #slot = new Int32Array(64);
  #start = new Int32Array(64);
  #length = new Int32Array(64);
  #capacity = new Int32Array(64);
  /** The unit's next row, -1 at the end of its chain. */
  #next = new Int32Array(64);
  #rows = 0;
  // By step.
  #days: Int32Array<ArrayBufferLike> = new Int32Array(256);
  #counts: Float64Array<ArrayBufferLike> = new Float64Array(256);
  /** Steps used, left-behind blocks included. */
  #top = 0;

  /** Unit u's row of population `slot`, or -1. */
  rowOf(u: number, slot: number): number {
    for (let r = this.first(u); r >= 0; r = this.#next[r]!) if (this.#slot[r] === slot) return r;
    return -1;
  }

  /** Unit u's first row (the rest chained by {@link next}), or -1. */
  first(u: number): number {
    return u < this.#first.length ? this.#first[u]! : -1;
  }

  next(row: number): number {
    return this.#next[row]!;
  }

  slot(row: number): number {
    return this.#slot[row]!;
  }

  length(row: number): number {
    return this.#length[row]!;
  }

  /** The row's i-th as-of day and count. */
  day(row: number, i: number): number {
    return this.#days[this.#start[row]! + i]!;
  }

  count(row: number, i: number): number {
    return this.#counts[this.#start[row]! + i]!;
  }

  /** The index of the row's last step on or before `day`, or -1. */
  lastOnOrBefore(row: number, day: number): number {
    const at = this.#start[row]!;
    for (let i = this.#length[row]! - 1; i >= 0; i--) if (this.#days[at + i]! <= day) return i;
    return -1;
  }

  /** Unit u's row of population `slot`, made (empty, last in its chain) if missing. */
  rowFor(u: number, slot: number): number {
    const found = this.rowOf(u, slot);
    if (found >= 0) return found;
    const r = this.#rows++;
    if (r >= this.#slot.length) this.#growRows();
    this.#slot[r] = slot;
    this.#start[r] = 0;
    this.#length[r] = 0;
    this.#capacity[r] = 0;
    this.#next[r] = -1;
    if (u >= this.#first.length) {
      const first = new Int32Array(Math.max(u + 1, this.#first.length * 2)).fill(-1);
      first.set(this.#first);
      this.#first = first;
    }
    let last = this.#first[u]!;
    if (last < 0) this.#first[u] = r;
    else {
      while (this.#next[last]! >= 0) last = this.#next[last]!;
      this.#next[last] = r;
    }
    return r;
  }

  /** Sets the row's count on `day`: replaces a step of that day, or inserts one in day order. */
  set(row: number, day: number, count: number): void {
    const n = this.#length[row]!;
    let at = this.#start[row]!;
    let i = n;
    while (i > 0 && this.#days[at + i - 1]! > day) i--;
    if (i > 0 && this.#days[at + i - 1] === day) {
      this.#counts[at + i - 1] = count;
      return;
    }
    if (n === this.#capacity[row]) {
      this.#move(row, Math.max(2, n * 2));
      at = this.#start[row]!;
    }
    this.#days.copyWithin(at + i + 1, at + i, at + n);
    this.#counts.copyWithin(at + i + 1, at + i, at + n);
    this.#days[at + i] = day;
    this.#counts[at + i] = count;
    this.#length[row] = n + 1;
  }

  /** Every unit's rows, in unit order and chain order, as columns (for a checkpoint). */
  exportState() {
    const units: number[] = [];
    const slots: number[] = [];
    const lengths: number[] = [];
    let steps = 0;
    for (let u = 0; u < this.#first.length; u++) {
      for (let r = this.#first[u]!; r >= 0; r = this.#next[r]!) {
        units.push(u);
        slots.push(this.#slot[r]!);
        lengths.push(this.#length[r]!);
        steps += this.#length[r]!;
      }
    }
    const days = new Int32Array(steps);
    const counts = new Float64Array(steps);
    let to = 0;
    for (let u = 0; u < this.#first.length; u++) {
      for (let r = this.#first[u]!; r >= 0; r = this.#next[r]!) {
        const at = this.#start[r]!;
        const n = this.#length[r]!;
        days.set(this.#days.subarray(at, at + n), to);
        counts.set(this.#counts.subarray(at, at + n), to);
        to += n;
      }
    }
    return {
      units: Int32Array.from(units),
      slots: Int32Array.from(slots),
      lengths: Int32Array.from(lengths),
      days,
      counts,
    };
  }

  /**
   * Takes over a checkpoint's columns (kept, not copied: they may be views of its bytes): rows of a unit
   * together, in chain order, each row's steps where the lengths before it end. Throws, changing nothing,
   * when they do not fit together.
   */
  importState(columns: {
    units: Int32Array;
    slots: Int32Array;
    lengths: Int32Array;
    days: Int32Array;
    counts: Float64Array;
  }): void {
    const { units, slots, lengths, days, counts } = columns;
    const fail = (what: string): never => {
      throw new RangeError(`StockCube.importState: ${what}`);
    };
    if (slots.length !== units.length || lengths.length !== units.length || counts.length !== days.length)
      fail('the timeline columns differ in length');
    const starts =
      offsetsOf(lengths, days.length) ??
      fail('the timelines do not cover their steps (or a length is negative)');
    let max = -1;
    for (const u of units) if (u > max) max = u;
    const first = new Int32Array(Math.max(64, max + 1)).fill(-1);
    const next = new Int32Array(Math.max(64, units.length)).fill(-1);
    for (let i = 0; i < units.length; i++) {
      const u = units[i]!;
      if (u < 0) fail(`row ${i} names unit ${u}`);
      if (i === 0 || units[i - 1] !== u) {
        if (first[u] !== -1) fail(`the timelines of unit ${u} are not together`);
        first[u] = i;
      } else next[i - 1] = i;
      for (let j = first[u]!; j < i; j++) {
        if (slots[j] === slots[i]) fail(`unit ${u} has two timelines of slot ${slots[i]}`);
      }
    }
    const rows = (a: Int32Array) => {
      const out = new Int32Array(Math.max(64, units.length));
      out.set(a);
      return out;
    };
    this.#first = first;
    this.#next = next;
    this.#slot = rows(slots);
    this.#start = rows(starts.subarray(0, units.length));
    this.#length = rows(lengths);
    this.#capacity = rows(lengths);
    this.#rows = units.length;
    this.#days = days;
    this.#counts = counts;
    this.#top = days.length;
  }

  /**
   * Copies the rows end to end, each block cut to its steps, into columns of just that length, when more
   * than a quarter of the columns is room (blocks left behind, blocks and arrays grown by doubling: at 1M
   * they were four times their steps); for an idle pass. Returns the bytes given back.
   */
  compact(): number {
    let steps = 0;
    for (let r = 0; r < this.#rows; r++) steps += this.#length[r]!;
    const rows = Math.max(64, this.#rows);
    if ((this.#days.length - steps) * 4 <= steps && (this.#slot.length - rows) * 4 <= rows) return 0;
    const before = this.byteLength;
    const days = new Int32Array(steps);
    const counts = new Float64Array(steps);
    let to = 0;
    for (let r = 0; r < this.#rows; r++) {
      const at = this.#start[r]!;
      const n = this.#length[r]!;
      days.set(this.#days.subarray(at, at + n), to);
      counts.set(this.#counts.subarray(at, at + n), to);
      this.#start[r] = to;
      this.#capacity[r] = n;
      to += n;
    }
    this.#days = days;
    this.#counts = counts;
    this.#top = steps;
    this.#slot = this.#slot.slice(0, rows);
    this.#start = this.#start.slice(0, rows);
    this.#length = this.#length.slice(0, rows);
    this.#capacity = this.#capacity.slice(0, rows);
    this.#next = this.#next.slice(0, rows);
    return before - this.byteLength;
  }

  /** Bytes held, for memory accounting. */
  get byteLength(): number {
    return (
      this.#first.byteLength + 5 * this.#slot.byteLength + this.#days.byteLength + this.#counts.byteLength
    );
  }

  /** Moves a row's steps to the end of the columns, in a block of `capacity`. */
  #move(row: number, capacity: number): void {
    const at = this.#start[row]!;
    const n = this.#length[row]!;
    const to = this.#top;
    if (to + capacity > this.#days.length) {
      const size = Math.max(to + capacity, this.#days.length * 2);
      const days = new Int32Array(size);
      days.set(this.#days.subarray(0, to));
      const counts = new Float64Array(size);
      counts.set(this.#counts.subarray(0, to));
      this.#days = days;
      this.#counts = counts;
    }
    this.#days.copyWithin(to, at, at + n);
    this.#counts.copyWithin(to, at, at + n);
    this.#start[row] = to;
    this.#capacity[row] = capacity;
    this.#top = to + capacity;
  }

  #growRows(): void {
    const grow = (a: Int32Array) => {
      const out = new Int32Array(a.length * 2);
      out.set(a);
      return out;
    };
    this.#slot = grow(this.#slot);
    this.#start = grow(this.#start);
    this.#length = grow(this.#length);
    this.#capacity = grow(this.#capacity);
    this.#next = grow(this.#next);
  }
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
  /** Units' own timelines, by unit and population slot. */
  readonly #own = new Timelines();
  readonly #desc: [(RollupSeries | undefined)[], (RollupSeries | undefined)[]] = [[], []];
  readonly #h: Hierarchy;

  constructor(hierarchy: Hierarchy) {
    this.#h = hierarchy;
  }

  /** Bytes of the units' own timelines' columns, for memory accounting. */
  get ownBytes(): number {
    return this.#own.byteLength;
  }

  /** Cuts the timelines' columns to their steps when much of them is room (see `Timelines.compact`). */
  compact(): number {
    return this.#own.compact();
  }

  /** Records that unit u had `count` of population slot `slot` on `day`. */
  report(u: number, slot: number, day: number, count: number): void {
    this.#roll(u, slot, -1);
    this.#own.set(this.#own.rowFor(u, slot), day, count);
    this.#roll(u, slot, 1);
  }

  /** Re-attributes the stocks of `units` around a change of the tree. */
  reattribute(units: readonly number[], mutate: () => void): void {
    const own = this.#own;
    const affected = units.filter((u) => own.first(u) >= 0);
    for (const u of affected)
      for (let r = own.first(u); r >= 0; r = own.next(r)) this.#roll(u, own.slot(r), -1);
    mutate();
    for (const u of affected)
      for (let r = own.first(u); r >= 0; r = own.next(r)) this.#roll(u, own.slot(r), 1);
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
    const r = this.#own.rowOf(u, slot);
    const i = r < 0 ? -1 : this.#own.lastOnOrBefore(r, day);
    return i < 0 ? undefined : { count: this.#own.count(r, i), day: this.#own.day(r, i) };
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
    const own = this.#own;
    for (let r = own.first(u); r >= 0; r = own.next(r)) {
      const n = own.length(r);
      if (n > 0 && (last === undefined || own.day(r, n - 1) > last)) last = own.day(r, n - 1);
    }
    return last;
  }

  /** Whether any unit in the store reported this slot (to tell "no data" from zero). */
  hasReports(u: number, slot: number): boolean {
    const r = this.#own.rowOf(u, slot);
    return r >= 0 && this.#own.length(r) > 0;
  }

  /** The stocks' state for a checkpoint. */
  exportState(w: SnapshotWriter) {
    const { units, slots, lengths, days, counts } = this.#own.exportState();
    return {
      units: w.blob(units),
      slots: w.blob(slots),
      lengths: w.blob(lengths),
      days: w.blob(days),
      counts: w.blob(counts),
      was: packRollups(w, this.#desc[AS_WAS]),
      is: packRollups(w, this.#desc[AS_IS]),
    };
  }

  importState(r: SnapshotReader, state: ReturnType<StockCube['exportState']>): void {
    this.#own.importState({
      units: r.i32(state.units),
      slots: r.i32(state.slots),
      lengths: r.i32(state.lengths),
      days: r.i32(state.days),
      counts: r.f64(state.counts),
    });
    unpackRollups(r, state.was, (u, s) => {
      this.#desc[AS_WAS][u] = s;
    });
    unpackRollups(r, state.is, (u, s) => {
      this.#desc[AS_IS][u] = s;
    });
  }

  /** Adds sign × u's step function for one population to the roll-ups of both views. */
  #roll(u: number, slot: number, sign: 1 | -1) {
    const own = this.#own;
    const t = own.rowOf(u, slot);
    if (t < 0 || own.length(t) === 0) return;
    const n = own.length(t);
    const r = this.#h.unit(u);
    const end = r.end?.day ?? FAR_FUTURE;
    // as-was: the value counts under the ancestors of each day. It changes at report days, and wherever any
    // unit on the chain changes parent (a district moving takes its grassroots units' members with it).
    const chain: number[] = [];
    let from = Math.max(r.registeredDay, own.day(t, 0));
    while (from < end) {
      let nextReport = FAR_FUTURE;
      for (let i = 0; i < n; i++) {
        if (own.day(t, i) > from) {
          nextReport = own.day(t, i);
          break;
        }
      }
      const nextChange = this.#h.nextChainChange(u, from) ?? FAR_FUTURE;
      const to = Math.min(nextReport, nextChange, end);
      const at = own.lastOnOrBefore(t, from);
      const v = at < 0 ? 0 : own.count(t, at);
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
    for (let i = 0; i < n; i++) {
      const from = own.day(t, i);
      if (from >= end) break;
      const to = i + 1 < n ? Math.min(own.day(t, i + 1), end) : end;
      const parts = apportion(own.count(t, i), weights);
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
