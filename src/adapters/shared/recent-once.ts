/**
 * Lets a key through once per window: two regenerate reactions from one user on one message within
 * a few seconds (a double click, or a platform redelivering an event it thinks was lost) queue one job.
 */
export class RecentOnce {
  readonly #seen = new Map<string, number>();

  /** @param windowMs how long a key stays blocked after it passed. */
  constructor(private readonly windowMs: number) {}

  /** True the first time `key` is seen within the window; false for repeats inside it. */
  admit(key: string, now = Date.now()): boolean {
    for (const [seenKey, at] of this.#seen) {
      if (now - at >= this.windowMs) this.#seen.delete(seenKey);
    }
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, now);
    return true;
  }
}
