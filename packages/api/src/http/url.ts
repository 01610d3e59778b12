/**
 * The path and query of a request URL without `new URL(...)`. A request's `url` is always a serialised
 * URL (the Request constructor, and @hono/node-server, store `href`), so for http(s) the path runs from the
 * first `/` after the authority to the `?`, and the query from there to the `#` (if any). Anything else
 * goes through the URL parser.
 */
export interface UrlParts {
  /** As `URL.pathname`. */
  readonly path: string;
  /** As `URL.search` without its leading `?` (the URL's query, empty when there is none). */
  readonly query: string;
}

export const urlParts = (url: string): UrlParts => {
  const authority = url.startsWith('http://') ? 7 : url.startsWith('https://') ? 8 : -1;
  const slash = authority < 0 ? -1 : url.indexOf('/', authority);
  if (slash < 0) {
    const parsed = new URL(url);
    return { path: parsed.pathname, query: parsed.search.slice(1) };
  }
  const hash = url.indexOf('#', slash);
  const end = hash < 0 ? url.length : hash;
  const question = url.indexOf('?', slash);
  if (question < 0 || question > end) return { path: url.slice(slash, end), query: '' };
  return { path: url.slice(slash, question), query: url.slice(question + 1, end) };
};

/**
 * A query's name-value pairs in order, as `URL.searchParams` gives them (application/x-www-form-urlencoded
 * parsing). Without `%` or `+` there is nothing to decode, so the pairs are plain slices.
 */
export const queryPairs = (query: string): [string, string][] => {
  // The constructor drops one leading '?', which belongs to the query here: give it one to drop.
  if (query.includes('%') || query.includes('+')) return [...new URLSearchParams(`?${query}`)];
  const pairs: [string, string][] = [];
  if (query === '') return pairs;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    pairs.push(eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)]);
  }
  return pairs;
};
