import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { exportLog } from '@chitieu/core';
import { baseDirectory, openStoreFromEnv } from '../main.ts';
import { progressLine } from './progress.ts';

/**
 * Exports the configured store's log as NDJSON (one stored event per line), to stdout or `--out <file>`,
 * with progress on stderr. The store is chosen as the server chooses it (CHITIEU_DATABASE_URL, else CHITIEU_DB).
 *
 *   tsx src/cli/export.ts [--out log.ndjson] [--after <position>]
 */
const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const out = option('--out');
const after = Number(option('--after') ?? 0);
if (!Number.isSafeInteger(after) || after < 0) {
  process.stderr.write('--after must be a log position\n');
  process.exit(2);
}

const { store, location } = await openStoreFromEnv(process.env);
const head = await store.head();
process.stderr.write(`exporting ${location}: positions ${after + 1} to ${head}\n`);
const sink = out === undefined ? process.stdout : createWriteStream(resolve(baseDirectory(process.env), out));
const progress = progressLine(process.stderr, 'exported', Math.max(0, head - after));
let lines = 0;
try {
  for await (const line of exportLog(store, { after })) {
    // Respect backpressure: a large log must not pile up in memory when the sink is slower.
    if (!sink.write(line)) await once(sink, 'drain');
    lines += 1;
    progress.update(lines);
  }
  progress.finish(lines);
} finally {
  await store.close();
  if (sink !== process.stdout) await new Promise<void>((done) => sink.end(() => done()));
}
