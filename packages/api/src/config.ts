import { resolve } from 'node:path';
import { parseTokens, type TokenEntry } from './auth/tokens.ts';

/** What `main.ts` reads from the environment; everything has a default except tokens. */
export interface ServerConfig {
  readonly host: string;
  /** 0 picks a free port (printed on start). */
  readonly port: number;
  /** The SQLite file when no PostgreSQL URL is set. */
  readonly sqlitePath: string;
  readonly tokens: readonly TokenEntry[];
  /** Where the tokens came from, for the start-up log. */
  readonly tokenSource: string | undefined;
  /** Undefined when not configured: main.ts then opens reads only if no token is configured. */
  readonly openReads: boolean | undefined;
  readonly bodyBytes: number;
  readonly rate: { readonly perSecond: number; readonly burst: number } | undefined;
  readonly suppressionThreshold: number;
  readonly maxLag: number;
  readonly pollIntervalMs: number;
  readonly loadFixtures: boolean;
  readonly shutdownTimeoutMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const text = (env: Env, name: string) => {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
};

const whole = (env: Env, name: string, fallback: number, min = 0): number => {
  const v = text(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min)
    throw new RangeError(`${name} must be a whole number ≥ ${min}, not '${v}'`);
  return n;
};

const flag = (env: Env, name: string): boolean | undefined => {
  const v = text(env, name)?.toLowerCase();
  if (v === undefined) return undefined;
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new RangeError(`${name} must be 1 or 0, not '${v}'`);
};

/**
 * Reads the server's configuration from an environment. Tokens come from `CHITIEU_TOKENS_FILE` (read by the
 * caller and passed as `tokensFile`) or `CHITIEU_TOKENS` (JSON), each a list of sha256 hashes with scopes
 * and a unit. Throws a RangeError naming the variable at fault.
 */
export const readConfig = (env: Env, files: { tokensFile?: string; cwd: string }): ServerConfig => {
  let tokens: TokenEntry[] = [];
  let tokenSource: string | undefined;
  const file = text(env, 'CHITIEU_TOKENS_FILE');
  const inline = text(env, 'CHITIEU_TOKENS');
  if (file !== undefined && inline !== undefined)
    throw new RangeError('set CHITIEU_TOKENS_FILE or CHITIEU_TOKENS, not both');
  if (file !== undefined) {
    tokens = parseTokens(files.tokensFile ?? '', `CHITIEU_TOKENS_FILE (${file})`);
    tokenSource = file;
  } else if (inline !== undefined) {
    tokens = parseTokens(inline, 'CHITIEU_TOKENS');
    tokenSource = 'CHITIEU_TOKENS';
  }
  const perSecond = whole(env, 'CHITIEU_RATE_LIMIT', 0);
  const db = text(env, 'CHITIEU_DB') ?? 'data/chitieu.db';
  return {
    host: text(env, 'HOST') ?? '127.0.0.1',
    port: whole(env, 'PORT', 8787),
    sqlitePath: db === ':memory:' ? db : resolve(files.cwd, db),
    tokens,
    tokenSource,
    openReads: flag(env, 'CHITIEU_OPEN_READS'),
    bodyBytes: whole(env, 'CHITIEU_BODY_LIMIT', 1024 * 1024, 1),
    rate:
      perSecond > 0 ? { perSecond, burst: whole(env, 'CHITIEU_RATE_BURST', perSecond * 2, 1) } : undefined,
    suppressionThreshold: whole(env, 'CHITIEU_SUPPRESSION_THRESHOLD', 5),
    maxLag: whole(env, 'CHITIEU_MAX_LAG', 1_000),
    pollIntervalMs: whole(env, 'CHITIEU_POLL_MS', 500, 10),
    loadFixtures: flag(env, 'CHITIEU_LOAD_FIXTURES') ?? true,
    shutdownTimeoutMs: whole(env, 'CHITIEU_SHUTDOWN_TIMEOUT_MS', 10_000, 0),
  };
};
