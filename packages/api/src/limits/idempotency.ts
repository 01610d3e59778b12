/** A response kept for replay: enough to answer a retry byte for byte. */
export interface StoredResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

export type IdempotencyClaim =
  | { readonly kind: 'new'; finish(response: StoredResponse): void; abandon(): void }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'in-flight' };

export interface IdempotencyOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

interface Entry {
  readonly fingerprint: string;
  readonly expires: number;
  response: StoredResponse | undefined;
}

/**
 * Idempotency-Key answers kept in memory for a bounded time: a retry with the same key and body gets the
 * first answer again. This is a convenience for one node's lifetime; event ids are the durable guarantee
 * (the store recognises a batch it already holds, on every node and after restarts).
 */
export class IdempotencyCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttl: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: IdempotencyOptions) {
    this.#ttl = options.ttlMs;
    this.#max = options.maxEntries;
    this.#now = options.now ?? Date.now;
  }

  /** Claims a key for a request with this body fingerprint, or returns what the key already stands for. */
  claim(key: string, fingerprint: string): IdempotencyClaim {
    const now = this.#now();
    this.#sweep(now);
    const found = this.#entries.get(key);
    if (found && found.expires > now) {
      if (found.fingerprint !== fingerprint) return { kind: 'mismatch' };
      return found.response ? { kind: 'replay', response: found.response } : { kind: 'in-flight' };
    }
    const entry: Entry = { fingerprint, expires: now + this.#ttl, response: undefined };
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    return {
      kind: 'new',
      finish: (response) => {
        entry.response = response;
      },
      // A failed request leaves nothing behind: the client may retry with the same key.
      abandon: () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    };
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Drops expired entries from the front (entries are in insertion order, so expiry order). */
  #sweep(now: number) {
    for (const [key, entry] of this.#entries) {
      if (entry.expires > now) break;
      this.#entries.delete(key);
    }
  }
}
