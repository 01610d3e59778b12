import { createHash, randomBytes } from 'node:crypto';

export type Scope = 'read' | 'write' | 'admin';
const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];

/** A configured token: its name (the subject in logs), the sha256 of the secret, scopes and unit subtree. */
export interface TokenEntry {
  readonly name: string;
  readonly sha256: string;
  readonly scopes: readonly Scope[];
  /** The unit whose subtree the token may read and write; absent for a token over every unit. */
  readonly unit?: string;
}

/** The sha256 of a token, in lowercase hex: what the tokens file stores instead of the secret. */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A new random token (256 bits, base64url) for `hash-token --generate`. */
export const generateToken = (): string => `ctk_${randomBytes(32).toString('base64url')}`;

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Parses a tokens configuration: a JSON array of entries, or `{ "tokens": [...] }`. Throws a RangeError
 * naming `source` and the entry at fault, so a misconfigured server refuses to start.
 */
export const parseTokens = (json: string, source: string): TokenEntry[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new RangeError(`${source}: not valid JSON`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(list))
    throw new RangeError(`${source}: expected an array of tokens or { "tokens": [...] }`);
  const names = new Set<string>();
  return list.map((raw, i): TokenEntry => {
    const at = `${source}: tokens[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw new RangeError(`${at} is not an object`);
    const { name, sha256, scopes, unit, ...rest } = raw as Record<string, unknown>;
    if ('token' in rest)
      throw new RangeError(`${at} holds a plain token; store its sha256 (hash-token) instead`);
    if (Object.keys(rest).length > 0)
      throw new RangeError(`${at} has unknown fields ${Object.keys(rest).join(', ')}`);
    if (typeof name !== 'string' || name === '')
      throw new RangeError(`${at}.name must be a non-empty string`);
    if (names.has(name)) throw new RangeError(`${at}.name '${name}' is used twice`);
    names.add(name);
    if (typeof sha256 !== 'string' || !HEX64.test(sha256))
      throw new RangeError(`${at}.sha256 must be 64 lowercase hex digits`);
    if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => SCOPES.includes(s as Scope)))
      throw new RangeError(`${at}.scopes must be a non-empty list of ${SCOPES.join(', ')}`);
    if (unit !== undefined && (typeof unit !== 'string' || unit === ''))
      throw new RangeError(`${at}.unit must be a unit id`);
    return {
      name,
      sha256,
      scopes: scopes as Scope[],
      ...(unit === undefined ? {} : { unit: unit as string }),
    };
  });
};

/** The configured tokens, looked up by the hash of what a client presents. */
export class TokenTable {
  readonly #byHash: Map<string, TokenEntry>;

  constructor(entries: readonly TokenEntry[] = []) {
    this.#byHash = new Map(entries.map((e) => [e.sha256, e]));
  }

  get size(): number {
    return this.#byHash.size;
  }

  /** The entry for a presented token, if any; the secret is hashed first, so only hashes are ever compared. */
  lookup(token: string): TokenEntry | undefined {
    return this.#byHash.get(hashToken(token));
  }
}
