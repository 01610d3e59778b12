import { problems } from '../problem.ts';

/**
 * Opaque page cursors: a log position, base64url-encoded with a prefix, so clients pass them back instead
 * of doing arithmetic on positions (and the encoding can change without breaking them).
 */
export const encodeCursor = (position: number): string => Buffer.from(`p:${position}`).toString('base64url');

/** The position a cursor stands for; a 400 for anything that is not a cursor this API issued. */
export const decodeCursor = (cursor: string, name = 'after'): number => {
  const text = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString() : '';
  const m = /^p:(\d{1,15})$/.exec(text);
  if (!m) throw problems.invalidParameter(name, 'invalid_cursor', 'is not a cursor returned by this API');
  return Number(m[1]);
};
