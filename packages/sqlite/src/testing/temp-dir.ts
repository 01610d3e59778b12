import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the OS temp dir, and a way to name unique database files in it. */
export const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), `chitieu-${prefix}-`));
  let n = 0;
  return {
    dir,
    /** A path for a new database file (not created). */
    file: (name = 'log') => {
      n += 1;
      return join(dir, `${name}-${n}.db`);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
};
