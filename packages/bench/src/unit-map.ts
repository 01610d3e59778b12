import type { EventInput } from '@chitieu/core';
import type { Database } from 'better-sqlite3';

/**
 * The SQL reference's view of the tree: for each unit and each stretch of days, the province and district it
 * sat under. Built from the unit events the generator emits (registrations, moves, dissolutions), so a subtree query in
 * SQL is a join on this table. Merges are not modelled: the bench asks about periods before the 2025
 * reorganisation, when only moves within a province change anyone's district.
 */
export const UNIT_MAP_DDL = `
  CREATE TABLE bench_unit_map (
    unit_id TEXT NOT NULL,
    level TEXT NOT NULL,
    from_date TEXT NOT NULL,  -- inclusive
    to_date TEXT NOT NULL,    -- exclusive
    province_id TEXT,
    district_id TEXT
  );
  CREATE INDEX bench_unit_map_unit ON bench_unit_map (unit_id, from_date);
  CREATE INDEX bench_unit_map_province ON bench_unit_map (province_id, unit_id);
`;

const OPEN_END = '9999-12-31';

interface Stretch {
  readonly from: string;
  readonly parent: string | null;
}

/** Collects registrations and moves as the log streams past, then writes the map. */
export class UnitMapBuilder {
  readonly #level = new Map<string, string>();
  readonly #parents = new Map<string, Stretch[]>();
  readonly #ends = new Map<string, string>();

  /** Looks at one event; only registrations, moves and dissolutions matter. */
  observe(e: EventInput): void {
    if (e.type === 'unit.registered') {
      const d = e.data as { unitId: string; level: string; parentId: string | null };
      this.#level.set(d.unitId, d.level);
      this.#parents.set(d.unitId, [{ from: e.occurredAt.slice(0, 10), parent: d.parentId }]);
    } else if (e.type === 'unit.moved') {
      const d = e.data as { unitId: string; parentId: string };
      this.#parents.get(d.unitId)?.push({ from: e.occurredAt.slice(0, 10), parent: d.parentId });
    } else if (e.type === 'unit.dissolved') {
      // A dissolved unit has no members from that day on: its last headcount stops counting.
      this.#ends.set((e.data as { unitId: string }).unitId, e.occurredAt.slice(0, 10));
    }
  }

  /** Provinces registered in the log (the units a province query may name). */
  provinces(): string[] {
    return [...this.#level].filter(([, level]) => level === 'province').map(([id]) => id);
  }

  #parentAt(unit: string, date: string): string | null {
    const stretches = this.#parents.get(unit) ?? [];
    let parent: string | null = null;
    for (const s of stretches) if (s.from <= date) parent = s.parent;
    return parent;
  }

  /** Days on which the unit or any unit it was ever under changed parent. */
  #changeDays(unit: string, memo: Map<string, Set<string>>): Set<string> {
    const known = memo.get(unit);
    if (known) return known;
    const days = new Set<string>();
    memo.set(unit, days);
    for (const s of this.#parents.get(unit) ?? []) {
      days.add(s.from);
      if (s.parent !== null) for (const d of this.#changeDays(s.parent, memo)) days.add(d);
    }
    return days;
  }

  /** Creates and fills `bench_unit_map` in the database. */
  write(db: Database): number {
    db.exec(UNIT_MAP_DDL);
    const insert = db.prepare('INSERT INTO bench_unit_map VALUES (?, ?, ?, ?, ?, ?)');
    const memo = new Map<string, Set<string>>();
    let rows = 0;
    db.transaction(() => {
      for (const [unit, level] of this.#level) {
        const start = this.#parents.get(unit)![0]!.from;
        const end = this.#ends.get(unit) ?? OPEN_END;
        const days = [...this.#changeDays(unit, memo)].filter((d) => d >= start && d < end).sort();
        let open: { from: string; province: string | null; district: string | null } | undefined;
        for (const day of days) {
          const { province, district } = this.#placeAt(unit, day);
          if (open && open.province === province && open.district === district) continue;
          if (open) {
            insert.run(unit, level, open.from, day, open.province, open.district);
            rows++;
          }
          open = { from: day, province, district };
        }
        if (open) {
          insert.run(unit, level, open.from, end, open.province, open.district);
          rows++;
        }
      }
    })();
    return rows;
  }

  /** The province and district a unit sits in (itself included) on a day. */
  #placeAt(unit: string, date: string): { province: string | null; district: string | null } {
    let province: string | null = null;
    let district: string | null = null;
    for (
      let u: string | null = unit, hops = 0;
      u !== null && hops < 16;
      u = this.#parentAt(u, date), hops++
    ) {
      const level = this.#level.get(u);
      if (level === 'district' && district === null) district = u;
      if (level === 'province' && province === null) province = u;
    }
    return { province, district };
  }
}
