import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '@chitieu/core';
import { SqliteEventStore } from '@chitieu/sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { hashToken } from '../auth/tokens.ts';
import { API_DIR } from '../testing/spawn-server.ts';
import { CLOCK, worldEvents } from '../testing/world.ts';

const dir = mkdtempSync(join(tmpdir(), 'chitieu-api-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs one of the CLIs with the given environment; resolves with its exit code and output. */
const run = (script: string, args: string[], env: Record<string, string>, input?: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CHITIEU_')));
    const child = spawn(process.execPath, ['--import', 'tsx', `src/cli/${script}`, ...args], {
      cwd: API_DIR,
      env: { ...base, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(input);
  });

describe('export and import', () => {
  it('moves a whole log between stores without loss: same ids, positions and figures', async () => {
    const from = join(dir, 'from.db');
    const store = SqliteEventStore.open({ path: from, clock: CLOCK });
    const ledger = await Ledger.open({ store, clock: CLOCK, follow: false });
    await ledger.appendEvents(worldEvents());
    const before = await ledger.indicator({ indicator: 'turns', unit: 'tw', period: '2024' });
    await ledger.close();
    await store.close();

    const file = join(dir, 'log.ndjson');
    const exported = await run('export.ts', ['--out', file], { CHITIEU_DB: from });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toMatch(/exported: \d+ \/ \d+ \(100%\) events/);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(worldEvents().length);

    const to = join(dir, 'to.db');
    const imported = await run('import.ts', [file], { CHITIEU_DB: to });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain(`head is now ${lines.length}`);

    const copy = SqliteEventStore.open({ path: to, clock: CLOCK });
    const original = SqliteEventStore.open({ path: from, clock: CLOCK });
    expect((await copy.readAll({ limit: 1000 })).events).toEqual(
      (await original.readAll({ limit: 1000 })).events,
    );
    const replayed = await Ledger.open({ store: copy, clock: CLOCK, follow: false });
    expect(await replayed.indicator({ indicator: 'turns', unit: 'tw', period: '2024' })).toEqual(before);
    await replayed.close();
    await copy.close();
    await original.close();

    // Importing the same rows again would duplicate positions: refused, and the log is unchanged.
    const twice = await run('import.ts', ['-'], { CHITIEU_DB: to }, readFileSync(file, 'utf8'));
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/import failed/);
  }, 60_000);
});

describe('hash-token', () => {
  it('prints the sha256 of a token given as an argument or on stdin', async () => {
    expect((await run('hash-token.ts', ['s3cret'], {})).stdout.trim()).toBe(hashToken('s3cret'));
    expect((await run('hash-token.ts', [], {}, 's3cret\n')).stdout.trim()).toBe(hashToken('s3cret'));
  });

  it('generates a token and the tokens-file entry holding only its hash', async () => {
    const out = (await run('hash-token.ts', ['--generate', 'soc-trang', 'tinh-doan-soc-trang'], {})).stdout
      .trim()
      .split('\n');
    const [token, entry] = [out[0]!, JSON.parse(out[1]!)];
    expect(entry).toEqual({
      name: 'soc-trang',
      sha256: hashToken(token),
      scopes: ['read'],
      unit: 'tinh-doan-soc-trang',
    });
    expect(out[1]).not.toContain(token);
  });
});
