import { ListIndex, packIntLists, type SnapshotReader, type SnapshotWriter } from './snapshot-codec.ts';

/**
 * For each unit, the log positions of the events that changed its own figures, with the day and slot they
 * touched: what "explain" drills down to. One `Int32Array` per unit of (day, slot, position) triples, 12
 * bytes a contribution; positions are kept in log order, so a unit's list is append-only.
 */
export class ContributionLog {
  readonly #lists: (Int32Array | undefined)[] = [];
  readonly #lengths: number[] = [];
  /** A restored checkpoint's lists, viewed when a unit's is first asked for (see {@link #listOf}). */
  #restored: ListIndex<Int32Array> | undefined;

  add(u: number, day: number, slot: number, position: number): void {
    const n = this.#lengths[u] ?? 0;
    let list = this.#listOf(u);
    if (!list || (n + 1) * 3 > list.length) {
      const next = new Int32Array(Math.max(4, Math.ceil(n * 1.5)) * 3);
      if (list) next.set(list.subarray(0, n * 3));
      list = next;
      this.#lists[u] = list;
    }
    list[n * 3] = day;
    list[n * 3 + 1] = slot;
    list[n * 3 + 2] = position;
    this.#lengths[u] = n + 1;
  }

  /** Positions of the unit's contributions on days in [fromDay, toDay] whose slot passes `mask`, in log order. */
  positions(
    u: number,
    fromDay: number,
    toDay: number,
    mask: Uint8Array | null,
    upTo = Number.POSITIVE_INFINITY,
  ): number[] {
    const end = (this.#lengths[u] ?? 0) * 3;
    const list = this.#listOf(u);
    const out: number[] = [];
    if (!list) return out;
    for (let i = 0; i < end; i += 3) {
      const d = list[i]!;
      if (d < fromDay || d > toDay || list[i + 2]! > upTo) continue;
      if (mask !== null && mask[list[i + 1]!] !== 1) continue;
      out.push(list[i + 2]!);
    }
    return [...new Set(out)];
  }

  /** The log's state for a checkpoint: every unit's triples end to end, and each unit's length. */
  exportState(w: SnapshotWriter) {
    const lists: [number, Int32Array][] = [];
    for (let u = 0; u < this.#lengths.length; u++) {
      const n = this.#lengths[u] ?? 0;
      if (n > 0) lists.push([u, this.#listOf(u)!.subarray(0, n * 3)]);
    }
    return packIntLists(w, lists, 3);
  }

  /** Takes over the triples as views of the checkpoint (a list that grows moves to an array of its own). */
  importState(r: SnapshotReader, state: ReturnType<ContributionLog['exportState']>): void {
    const restored = ListIndex.ints(r, state, 3);
    this.#lists.length = 0;
    this.#lengths.length = 0;
    restored.forEachOwner((u, words) => {
      this.#lengths[u] = words / 3;
    });
    this.#restored = restored;
  }

  /** Unit u's list: its own array, or the view of a restored checkpoint's, taken on first use. */
  #listOf(u: number): Int32Array | undefined {
    const list = this.#lists[u];
    if (list !== undefined || this.#restored === undefined) return list;
    const restored = this.#restored.take(u);
    if (restored !== undefined) this.#lists[u] = restored;
    return restored;
  }

  get byteLength(): number {
    let bytes = 0;
    for (let u = 0; u < this.#lengths.length; u++) bytes += this.#listOf(u)?.byteLength ?? 0;
    return bytes;
  }
}
