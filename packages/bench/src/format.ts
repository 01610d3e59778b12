/** Whole numbers with thousands separators (the table is English; payloads keep plain numbers). */
export const int = (n: number): string => Math.round(n).toLocaleString('en');

/** A duration in milliseconds, in the unit that keeps three significant digits readable. */
export const duration = (ms: number): string => {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1) return `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 10_000) return `${Math.round(ms).toLocaleString('en')} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
};

/** Bytes in megabytes (10^6). */
export const megabytes = (bytes: number): string => `${int(bytes / 1e6)} MB`;

/** A ratio as a multiple: 3.2×, 150×. */
export const times = (x: number): string =>
  !Number.isFinite(x) ? '—' : x >= 100 ? `${int(x)}×` : x >= 10 ? `${x.toFixed(0)}×` : `${x.toFixed(2)}×`;

/** A ratio as a percentage. */
export const percent = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : '—');

/** Renders rows as a Markdown table (so it can go into docs/performance.md as printed). */
export const markdownTable = (header: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
};
