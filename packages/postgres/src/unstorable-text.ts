import type { Issue } from '@chitieu/core';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unstorable = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s);

/**
 * Finds strings PostgreSQL cannot store: JSONB and TEXT reject U+0000, and a lone surrogate is not valid
 * UTF-8. The catalogue accepts both (memory and SQLite store them), so without this check such an event
 * would fail here as a driver error instead of an issue naming the field.
 */
export const unstorableText = (value: unknown, path: string): Issue[] => {
  const issues: Issue[] = [];
  const visit = (v: unknown, at: string) => {
    if (typeof v === 'string') {
      if (unstorable(v)) {
        issues.push({
          path: at,
          rule: 'unstorable_text',
          message: 'contains U+0000 or an unpaired surrogate, which the PostgreSQL store cannot keep',
        });
      }
    } else if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) visit(item, `${at}.${i}`);
    } else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) {
        if (unstorable(key)) visit(key, `${at}.${key}`);
        else visit(item, `${at}.${key}`);
      }
    }
  };
  visit(value, path);
  return issues;
};
