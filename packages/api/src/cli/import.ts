import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { importLog } from '@chitieu/core';
import { baseDirectory, openStoreFromEnv } from '../main.ts';
import { progressLine } from './progress.ts';

/**
 * Imports an NDJSON export into the configured store, keeping ids, versions and recordedAt. Positions are
 * kept (into an empty log), or with `--remap` renumbered after the head. Progress on stderr.
 *
 *   tsx src/cli/import.ts log.ndjson [--remap]
 *   tsx src/cli/import.ts - < log.ndjson
 */
const args = process.argv.slice(2);
const remap = args.includes('--remap');
const file = args.find((a) => !a.startsWith('--'));
if (file === undefined) {
  process.stderr.write('usage: import <file.ndjson | -> [--remap]\n');
  process.exit(2);
}
const path = file === '-' ? undefined : resolve(baseDirectory(process.env), file);
/** Newlines in a file, streamed: one fast pass gives the progress display a total without holding the file. */
const countLines = async (p: string): Promise<number> => {
  let n = 0;
  for await (const chunk of createReadStream(p)) {
    for (const byte of chunk as Buffer) if (byte === 10) n += 1;
  }
  return n;
};
const total = path === undefined ? undefined : await countLines(path);
const { store, location } = await openStoreFromEnv(process.env);
process.stderr.write(`importing into ${location}${remap ? ' (remapping positions)' : ''}\n`);
const progress = progressLine(process.stderr, 'imported', total);
try {
  const lines = createInterface({
    input: path === undefined ? process.stdin : createReadStream(path),
    crlfDelay: Infinity,
  });
  const result = await importLog(store, lines, { remap, onProgress: (p) => progress.update(p.rows) });
  progress.finish(result.rows);
  process.stderr.write(`head is now ${result.head}\n`);
} catch (error) {
  process.stderr.write(
    `\nimport failed, nothing of the failing batch was written: ${(error as Error).message}\n`,
  );
  process.exitCode = 1;
} finally {
  await store.close();
}
