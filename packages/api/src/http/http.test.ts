import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../problem.ts';
import { matchesIfNoneMatch } from './caching.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { negotiate } from './negotiate.ts';

describe('negotiate', () => {
  const offers = ['application/json', 'text/csv'] as const;
  it('defaults to the first offer', () => {
    expect(negotiate(undefined, [...offers] as ['application/json', 'text/csv'])).toBe('application/json');
    expect(negotiate('*/*', ['application/json', 'text/csv'])).toBe('application/json');
    expect(negotiate('image/png', ['application/json', 'text/csv'])).toBe('application/json');
  });
  it('follows q-values and specificity', () => {
    expect(negotiate('text/csv', ['application/json', 'text/csv'])).toBe('text/csv');
    expect(negotiate('text/*, application/json;q=0.5', ['application/json', 'text/csv'])).toBe('text/csv');
    expect(negotiate('text/csv;q=0.2, */*;q=0.9', ['application/json', 'text/csv'])).toBe('application/json');
  });
});

describe('cursors', () => {
  it('round-trip a position and refuse anything else with a 400 problem', () => {
    expect(decodeCursor(encodeCursor(12345))).toBe(12345);
    for (const bad of ['', '12', 'cDo', 'cDotMQ', '!!']) {
      expect(() => decodeCursor(bad), bad).toThrow(HttpProblem);
    }
  });
});

describe('If-None-Match', () => {
  it('matches lists, weak tags and *', () => {
    expect(matchesIfNoneMatch('"a", "b"', '"b"')).toBe(true);
    expect(matchesIfNoneMatch('W/"b"', '"b"')).toBe(true);
    expect(matchesIfNoneMatch('*', '"b"')).toBe(true);
    expect(matchesIfNoneMatch('"c"', '"b"')).toBe(false);
    expect(matchesIfNoneMatch(undefined, '"b"')).toBe(false);
  });
});
