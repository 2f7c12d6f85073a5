/**
 * A small cache with a size bound and per-entry expiry. `get` returns a box so that a cached
 * `undefined` ("known to be absent") differs from a miss.
 */
export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number | undefined }>();
  readonly #capacity: number;

  /** `capacity` 0 keeps nothing. */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(key: string, now = Date.now()): { value: V } | undefined {
    const entry = this.#entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** `expiresAt` in epoch ms; `undefined` keeps the entry until it is evicted. */
  set(key: string, value: V, expiresAt?: number): void {
    if (this.#capacity === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt });
    // Maps iterate in insertion order and set() re-inserts: the first key is the least recently set.
    if (this.#entries.size > this.#capacity)
      this.#entries.delete(this.#entries.keys().next().value!);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}
