/**
 * Interns (activity kind, channel) pairs as small integers ("slots"), so each day-series entry carries one
 * number for both dimensions, and a kind or channel filter becomes a byte mask over slots.
 */
export class Slots {
  readonly #byKind = new Map<string, Map<string | undefined, number>>();
  readonly kinds: string[] = [];
  readonly channels: (string | undefined)[] = [];
  readonly #masks = new Map<string, Uint8Array>();

  intern(kind: string, channel: string | undefined): number {
    let byChannel = this.#byKind.get(kind);
    if (byChannel === undefined) {
      byChannel = new Map();
      this.#byKind.set(kind, byChannel);
    }
    let slot = byChannel.get(channel);
    if (slot === undefined) {
      slot = this.kinds.length;
      byChannel.set(channel, slot);
      this.kinds.push(kind);
      this.channels.push(channel);
      this.#masks.clear();
    }
    return slot;
  }

  get size(): number {
    return this.kinds.length;
  }

  /** A mask of the slots matching a filter, or null when the filter is empty (all slots). */
  mask(filter: { kind?: string | undefined; channel?: string | undefined }): Uint8Array | null {
    if (filter.kind === undefined && filter.channel === undefined) return null;
    const key = `${filter.kind ?? ''}\u0000${filter.channel ?? ''}`;
    let mask = this.#masks.get(key);
    if (!mask) {
      mask = new Uint8Array(this.kinds.length);
      for (let s = 0; s < this.kinds.length; s++) {
        if (
          (filter.kind === undefined || this.kinds[s] === filter.kind) &&
          (filter.channel === undefined || this.channels[s] === filter.channel)
        ) {
          mask[s] = 1;
        }
      }
      this.#masks.set(key, mask);
    }
    return mask;
  }

  entries(): { kind: string; channel: string | undefined }[] {
    return this.kinds.map((kind, s) => ({ kind, channel: this.channels[s] }));
  }

  /** Re-interns slots in the order a checkpoint lists them, so every slot number means what it meant. */
  importState(entries: readonly { kind: string; channel?: string | null | undefined }[]): void {
    for (const e of entries) this.intern(e.kind, e.channel ?? undefined);
  }
}

/**
 * Divides a whole number by weights into whole parts that sum to it exactly (largest remainder; ties go to
 * the earlier part), so history split among successors keeps every total exact. Non-integers divide
 * proportionally.
 */
export const apportion = (value: number, weights: readonly number[]): number[] => {
  if (weights.length === 1) return [value];
  const total = weights.reduce((s, w) => s + w, 0);
  if (!Number.isInteger(value)) return weights.map((w) => (value * w) / total);
  const sign = value < 0 ? -1 : 1;
  const abs = Math.abs(value);
  const exact = weights.map((w) => (abs * w) / total);
  const parts = exact.map(Math.floor);
  let left = abs - parts.reduce((s, p) => s + p, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i]! += 1;
    left -= 1;
  }
  return parts.map((p) => p * sign);
};
