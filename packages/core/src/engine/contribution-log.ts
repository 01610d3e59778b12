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

  /** For checkpoints. */
  *entries(): Generator<{ unit: number; days: Int32Array; slots: Int32Array; positions: Int32Array }> {
    for (let u = 0; u < this.#lengths.length; u++) {
      const n = this.#lengths[u] ?? 0;
      if (n === 0) continue;
      yield {
        unit: u,
        days: this.#days[u]!.subarray(0, n),
        slots: this.#slots[u]!.subarray(0, n),
        positions: this.#positions[u]!.subarray(0, n),
      };
    }
  }

  load(u: number, days: Int32Array, slots: Int32Array, positions: Int32Array): void {
    this.#days[u] = days;
    this.#slots[u] = slots;
    this.#positions[u] = positions;
    this.#lengths[u] = days.length;
  }

  get byteLength(): number {
    let bytes = 0;
    for (const d of this.#days) bytes += (d?.byteLength ?? 0) * 3;
    return bytes;
  }
}
