import { z } from 'zod';
import { parseWorldTime } from '../time/civil.ts';

/** Crockford base32 ULID, 26 characters; ordered by creation time. */
export const Ulid = z
  .string()
  .regex(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/, 'must be a ULID (26 characters, Crockford base32)');

/**
 * Identifiers of things the union names (units, directives, bodies, groups, channels): short ASCII slugs
 * chosen by whoever registers the thing, so that they read well in URLs and logs.
 */
export const Slug = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[a-z0-9][a-z0-9._:-]*$/, 'must be a lowercase ASCII slug: a-z, 0-9, and . _ : -');

export const UnitId = Slug.describe('unit id');
export const DirectiveId = Slug.describe('directive id');
export const BodyId = Slug.describe('body id');
export const GroupId = Slug.describe('group id');
export const ChannelId = Slug.describe('channel id');
export const ActivityId = Slug.describe('activity id');

/** A pseudonymous person id: never a name, phone number or account handle. */
export const PersonId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a pseudonymous id: letters, digits, _ and -');

const yearInRange = (s: string) => {
  const y = Number(s.slice(0, 4));
  return y >= 1900 && y <= 2199;
};

/** A calendar date `YYYY-MM-DD` that exists (no 30 February), between the years 1900 and 2199. */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => parseWorldTime(s) !== undefined, 'is not a calendar date')
  .refine(yearInRange, 'year must be between 1900 and 2199');

/**
 * When something happened in the world: a date, an instant with offset, or a local date-time (read as
 * Vietnamese time, Asia/Ho_Chi_Minh).
 */
export const WorldTimeString = z
  .string()
  .refine((s) => parseWorldTime(s) !== undefined, {
    message: 'must be a date YYYY-MM-DD or a date-time YYYY-MM-DDTHH:mm[:ss][Z|±HH:mm]',
  })
  .refine(yearInRange, 'year must be between 1900 and 2199');

/** An inclusive range of calendar dates. */
export const DateRange = z
  .strictObject({ from: IsoDate, to: IsoDate })
  .refine((r) => r.from <= r.to, { message: 'from must not be after to', path: ['to'] });
export type DateRange = z.infer<typeof DateRange>;

/** A share between 0 and 1 (100% = 1). */
export const Share = z.number().min(0, 'must be at least 0').max(1, 'must be at most 1 (100% is 1)');

export const Count = z.number().int('must be a whole number').nonnegative('must not be negative');

/** Free text written by people (titles, notes); bounded so a bad client cannot flood the log. */
export const Text = z.string().min(1).max(2000);
