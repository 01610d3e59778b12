import type { Hierarchy } from './hierarchy.ts';

/**
 * Per node, the units of its {@link Hierarchy.everSubtree} (itself included) that hold records of some kind
 * — what a roll-up can be rebuilt or summed from. Kept per node while the tree's ever-subtrees
 * ({@link Hierarchy.revision}) and the number of units holding records stay the same: a province's list is
 * thousands of units, and every partial-month read of it walks them. Units never stop holding records, so a
 * new member always changes the count.
 */
export class SubtreeMembers {
  readonly #h: Hierarchy;
  readonly #holds: (u: number) => boolean;
  readonly #count: () => number;
  readonly #kept = new Map<number, { revision: number; count: number; units: readonly number[] }>();

  /** `holds(u)`: whether unit u has records; `count()`: how many units have. */
  constructor(hierarchy: Hierarchy, holds: (u: number) => boolean, count: () => number) {
    this.#h = hierarchy;
    this.#holds = holds;
    this.#count = count;
  }

  of(node: number): readonly number[] {
    const revision = this.#h.revision;
    const count = this.#count();
    const kept = this.#kept.get(node);
    if (kept !== undefined && kept.revision === revision && kept.count === count) return kept.units;
    const units = this.#h.everSubtree(node).filter(this.#holds);
    this.#kept.set(node, { revision, count, units });
    return units;
  }

  clear(): void {
    this.#kept.clear();
  }
}
