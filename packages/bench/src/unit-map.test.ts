import type { EventInput } from '@chitieu/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { UnitMapBuilder } from './unit-map.ts';

const registered = (
  unitId: string,
  level: string,
  parentId: string | null,
  day = '2023-01-01',
): EventInput => ({
  type: 'unit.registered',
  occurredAt: day,
  data: { unitId, level, parentId, name: unitId },
});

const mapOf = (events: EventInput[]) => {
  const builder = new UnitMapBuilder();
  for (const e of events) builder.observe(e);
  const db = new Database(':memory:');
  builder.write(db);
  return db
    .prepare(
      'SELECT unit_id, from_date, to_date, province_id, district_id FROM bench_unit_map ORDER BY unit_id, from_date',
    )
    .raw()
    .all();
};

describe('the SQL reference unit map', () => {
  it('places each unit under its province and district, its children too, for the days it sat there', () => {
    const rows = mapOf([
      registered('tw', 'central', null),
      registered('p', 'province', 'tw'),
      registered('p-d1', 'district', 'p'),
      registered('p-d2', 'district', 'p'),
      registered('p-d1-g', 'grassroots', 'p-d1'),
      registered('p-d1-g-c', 'branch', 'p-d1-g'),
      { type: 'unit.moved', occurredAt: '2024-05-01', data: { unitId: 'p-d1-g', parentId: 'p-d2' } },
    ]);
    expect(rows).toEqual([
      ['p', '2023-01-01', '9999-12-31', 'p', null],
      ['p-d1', '2023-01-01', '9999-12-31', 'p', 'p-d1'],
      ['p-d1-g', '2023-01-01', '2024-05-01', 'p', 'p-d1'],
      ['p-d1-g', '2024-05-01', '9999-12-31', 'p', 'p-d2'],
      // A branch moves with its grassroots unit.
      ['p-d1-g-c', '2023-01-01', '2024-05-01', 'p', 'p-d1'],
      ['p-d1-g-c', '2024-05-01', '9999-12-31', 'p', 'p-d2'],
      ['p-d2', '2023-01-01', '9999-12-31', 'p', 'p-d2'],
      ['tw', '2023-01-01', '9999-12-31', null, null],
    ]);
  });

  it('ends a dissolved unit on the day it was dissolved', () => {
    const rows = mapOf([
      registered('tw', 'central', null),
      registered('p', 'province', 'tw'),
      registered('p-d1', 'district', 'p', '2023-03-01'),
      { type: 'unit.dissolved', occurredAt: '2024-01-10', data: { unitId: 'p-d1', reason: 'merged' } },
    ]);
    expect(rows).toContainEqual(['p-d1', '2023-03-01', '2024-01-10', 'p', 'p-d1']);
  });
});
