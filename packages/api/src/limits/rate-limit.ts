export interface RateLimitOptions {
  /** Tokens added per second to each client's bucket. */
  readonly ratePerSecond: number;
  /** The bucket's size: how many requests a quiet client may make at once. */
  readonly burst: number;
  /** Milliseconds, for tests; defaults to `Date.now`. */
  readonly now?: () => number;
  /** Buckets kept; the least recently used are dropped (a dropped bucket starts full again). */
  readonly maxClients?: number;
}

export type RateDecision = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

/** Token buckets per client key (a token's name, or an address): `burst` at once, `ratePerSecond` sustained. */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #max: number;

  constructor(options: RateLimitOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1))
      throw new RangeError('a rate limit needs ratePerSecond > 0 and burst >= 1');
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
    this.#now = options.now ?? Date.now;
    this.#max = options.maxClients ?? 10_000;
  }

  /** Takes one token from the client's bucket, or says how long until one is available. */
  take(key: string): RateDecision {
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
    bucket.at = now;
    // Re-inserting keeps the Map in least-recently-used order, so eviction drops the quietest client.
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#max) this.#buckets.delete(this.#buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#rate)) };
  }
}
