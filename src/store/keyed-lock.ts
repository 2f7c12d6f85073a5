/**
 * Serialises work per key within one process. A task waits for the previous holder of every key
 * it names; registration on all keys happens synchronously, so tasks form one total order and two
 * tasks over overlapping key sets can never wait on each other (no deadlock, no lock ordering).
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys)];
    const previous = unique.flatMap((key) => this.#tails.get(key) ?? []);
    let unlock!: () => void;
    const done = new Promise<void>((resolve) => {
      unlock = resolve;
    });
    for (const key of unique) this.#tails.set(key, done);
    try {
      await Promise.all(previous);
      return await task();
    } finally {
      for (const key of unique) if (this.#tails.get(key) === done) this.#tails.delete(key);
      unlock();
    }
  }

  /** Keys with a task running or waiting: zero when idle, so the map never grows without bound. */
  get size(): number {
    return this.#tails.size;
  }
}
