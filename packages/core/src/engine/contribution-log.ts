import type { SnapshotReader, SnapshotWriter } from './snapshot-codec.ts';

/**
 * For each unit, the log positions of the events that changed its own figures, with the day and slot they
 * touched: what "explain" drills down to. 12 bytes per contribution in typed arrays; positions are kept in
 * log order, so a unit's list is append-only.
 */
export class ContributionLog {
  readonly #days: (Int32Array | undefined)[] = [];
  readonly #slots: (Int32Array | undefined)[] = [];
  readonly #positions: (Int32Array | undefined)[] = [];
  readonly #lengths: number[] = [];

  add(u: number, day: number, slot: number, position: number): void {
    const n = this.#lengths[u] ?? 0;
    let days = this.#days[u];
    if (!days || n === days.length) {
      const capacity = Math.max(4, Math.ceil(n * 1.5));
      const grow = (old: Int32Array | undefined) => {
        const next = new Int32Array(capacity);
        if (old) next.set(old.subarray(0, n));
        return next;
      };
      days = grow(days);
      this.#days[u] = days;
      this.#slots[u] = grow(this.#slots[u]);
      this.#positions[u] = grow(this.#positions[u]);
    }
    days[n] = day;
    this.#slots[u]![n] = slot;
    this.#positions[u]![n] = position;
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
    const n = this.#lengths[u] ?? 0;
    const days = this.#days[u];
    const slots = this.#slots[u];
    const positions = this.#positions[u];
    const out: number[] = [];
    if (!days || !slots || !positions) return out;
    for (let i = 0; i < n; i++) {
      const d = days[i]!;
      if (d < fromDay || d > toDay || positions[i]! > upTo) continue;
      if (mask !== null && mask[slots[i]!] !== 1) continue;
      out.push(positions[i]!);
    }
    return [...new Set(out)];
  }

  /** The log's state for a checkpoint: three arrays end to end, and each unit's length. */
  exportState(w: SnapshotWriter) {
    const units: number[] = [];
    const lengths: number[] = [];
    for (let u = 0; u < this.#lengths.length; u++) {
      if ((this.#lengths[u] ?? 0) > 0) {
        units.push(u);
        lengths.push(this.#lengths[u]!);
      }
    }
    const total = lengths.reduce((s, n) => s + n, 0);
    const days = new Int32Array(total);
    const slots = new Int32Array(total);
    const positions = new Int32Array(total);
    let at = 0;
    units.forEach((u, i) => {
      const n = lengths[i]!;
      days.set(this.#days[u]!.subarray(0, n), at);
      slots.set(this.#slots[u]!.subarray(0, n), at);
      positions.set(this.#positions[u]!.subarray(0, n), at);
      at += n;
    });
    return {
      units: w.blob(Int32Array.from(units)),
      lengths: w.blob(Int32Array.from(lengths)),
      days: w.blob(days),
      slots: w.blob(slots),
      positions: w.blob(positions),
    };
  }

  importState(r: SnapshotReader, state: ReturnType<ContributionLog['exportState']>): void {
    const units = r.i32(state.units);
    const lengths = r.i32(state.lengths);
    const days = r.i32(state.days);
    const slots = r.i32(state.slots);
    const positions = r.i32(state.positions);
    let at = 0;
    for (let i = 0; i < units.length; i++) {
      const u = units[i]!;
      const n = lengths[i]!;
      this.#days[u] = days.subarray(at, at + n);
      this.#slots[u] = slots.subarray(at, at + n);
      this.#positions[u] = positions.subarray(at, at + n);
      this.#lengths[u] = n;
      at += n;
    }
  }

  get byteLength(): number {
    let bytes = 0;
    for (const d of this.#days) bytes += (d?.byteLength ?? 0) * 3;
    return bytes;
  }
}
