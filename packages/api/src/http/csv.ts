import type { IndicatorResult, Measured } from '@chitieu/core';

const cell = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  // RFC 4180 quoting; a leading = + - @ is prefixed so spreadsheets do not run a label as a formula.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

const line = (values: readonly unknown[]) => `${values.map(cell).join(',')}\r\n`;

const COLUMNS = ['row', 'key', 'label', 'value', 'reason', 'exact', 'numerator', 'denominator'] as const;

const measured = (m: Measured) => [
  m.value,
  m.reason,
  m.exact ?? true,
  m.detail?.numerator as unknown,
  m.detail?.denominator as unknown,
];

/** An indicator answer as CSV: a header, the total row, then one row per breakdown entry. */
export const indicatorCsv = (r: IndicatorResult): string =>
  line(COLUMNS) +
  line(['total', r.unit.id, `${r.unit.name} — ${r.period.label}`, ...measured(r)]) +
  (r.rows ?? []).map((row) => line([r.by ?? 'row', row.key, row.label, ...measured(row)])).join('');
