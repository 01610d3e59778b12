import type { Engine } from '@chitieu/core';
import { problems } from '../problem.ts';
import type { Principal } from './principal.ts';

/**
 * A token's unit subtree: every unit that was ever below its unit or absorbed into that subtree (the core's
 * `everSubtree`). History follows units, so a ward that later moved to another district stays readable by
 * the district it came from; checking period by period would need the core to say when each unit was inside.
 * Sets are cached per engine position, since the hierarchy only changes when the log grows.
 */
export class UnitScopes {
  readonly #cache = new Map<string, { position: number; ids: ReadonlySet<string> }>();

  /** The ids inside `root`'s subtree as the engine knows it (empty when the root is not registered). */
  subtree(engine: Engine, root: string): ReadonlySet<string> {
    const hit = this.#cache.get(root);
    if (hit && hit.position === engine.position) return hit.ids;
    const h = engine.hierarchy;
    const index = h.indexOf(root);
    const ids = new Set(index === undefined ? [] : h.everSubtree(index).map((u) => h.unit(u).id));
    // Few tokens, few roots: a handful of entries, replaced as the log grows.
    if (this.#cache.size > 1_000) this.#cache.clear();
    this.#cache.set(root, { position: engine.position, ids });
    return ids;
  }

  /** Whether `unitId` is inside the principal's subtree; unknown units count as inside so the core can 404. */
  covers(engine: Engine, p: Principal, unitId: string): boolean {
    if (p.unit === undefined) return true;
    if (engine.hierarchy.indexOf(unitId) === undefined) return true;
    return this.subtree(engine, p.unit).has(unitId);
  }

  /** Throws 403 when a read names a unit outside the principal's subtree. */
  assertCovers(engine: Engine, p: Principal, unitId: string | undefined): void {
    if (unitId === undefined || this.covers(engine, p, unitId)) return;
    throw problems.forbidden(
      `unit '${unitId}' is outside '${p.unit}', the subtree of the token '${p.subject}'`,
    );
  }
}
