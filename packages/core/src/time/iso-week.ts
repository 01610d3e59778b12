/**
 * ISO 8601 weeks on Vietnamese day numbers. Weeks start on Monday and belong to the *week-year* of their
 * Thursday, so 2024-12-30 is in 2025-W01 and 2021-01-01 is in 2020-W53; a week label must therefore carry the
 * week-year, never the calendar year of its first day.
 */
import { civilFromDay, dayFromCivil, isoWeekday } from './civil.ts';

/** The ISO week-year and week number (1–53) of a day. @example isoWeekOf(dayFromDate('2024-12-30')) // { weekYear: 2025, week: 1 } */
export const isoWeekOf = (day: number): { weekYear: number; week: number } => {
  const thursday = day + 4 - isoWeekday(day);
  const weekYear = civilFromDay(thursday).year;
  return { weekYear, week: Math.floor((thursday - dayFromCivil(weekYear, 1, 1)) / 7) + 1 };
};

/** The Monday that starts week 1 of an ISO week-year (the week holding 4 January). */
const firstMonday = (weekYear: number): number => {
  const jan4 = dayFromCivil(weekYear, 1, 4);
  return jan4 - isoWeekday(jan4) + 1;
};

/** The number of ISO weeks (52 or 53) in a week-year; 28 December always lies in the last week. */
export const isoWeeksInYear = (weekYear: number): number => isoWeekOf(dayFromCivil(weekYear, 12, 28)).week;

/** The Monday that starts an ISO week; the week is not checked against {@link isoWeeksInYear}. */
export const isoWeekStart = (weekYear: number, week: number): number =>
  firstMonday(weekYear) + (week - 1) * 7;
