import type { z } from 'zod';
import type { Definitions, EventType } from '../events/catalogue.ts';
import type { EventInput, Meta } from '../events/envelope.ts';

/** The data a writer may submit for an event type (defaults may be left out). */
export type DataInput<T extends EventType> = z.input<Definitions[T]['schema']>;

/** A typed event input: `event('unit.registered', {...}, '2021-04-07')`. */
export const event = <T extends EventType>(
  type: T,
  data: DataInput<T>,
  occurredAt: string,
  extra: { id?: string; stream?: string; schemaVersion?: number; meta?: Meta } = {},
): EventInput => ({ type, data, occurredAt, ...extra });

/** An activity with sensible defaults, for tests. */
export const activity = (
  activityId: string,
  unitId: string,
  occurredAt: string,
  more: Partial<DataInput<'activity.recorded'>> = {},
  extra: { id?: string; meta?: Meta } = {},
): EventInput =>
  event(
    'activity.recorded',
    { activityId, unitId, kind: 'article', quantity: 1, ...more },
    occurredAt,
    extra,
  );

/** A unit registered on `on` (default 1 January 2020), named after its id unless `name` is given. */
export const unit = (
  unitId: string,
  level: DataInput<'unit.registered'>['level'],
  parentId: string | null,
  { on = '2020-01-01', name = unitId }: { on?: string; name?: string } = {},
): EventInput => event('unit.registered', { unitId, name, level, parentId }, on);

/**
 * A unit divided among successors on `on`, weighted as `into` says (`{ a: 3, b: 2 }`); its indivisible
 * history (and, unless placed otherwise, its children) goes to `historyTo`, by default the first successor.
 */
export const split = (
  unitId: string,
  into: Readonly<Record<string, number>>,
  on: string,
  historyTo: string = Object.keys(into)[0]!,
): EventInput =>
  event(
    'unit.split',
    { unitId, into: Object.entries(into).map(([id, weight]) => ({ unitId: id, weight })), historyTo },
    on,
  );
