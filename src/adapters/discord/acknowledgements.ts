/**
 * Acknowledgements go first. Discord drops an interaction not acknowledged within 3 seconds, while
 * the work behind a command (quota, queueing, the progress edits that follow) can wait. In a burst
 * of hundreds of commands, work started for the first ones would compete for the one event loop
 * with the acknowledgements of the rest: so work waits until no acknowledgement is on its way, or
 * at most `maxWaitMs`, lest a steady stream of commands starve it.
 */
export class AcknowledgementsFirst {
  #inFlight = 0;
  #waiters: Array<() => void> = [];

  /** @param maxWaitMs the longest that work waits behind acknowledgements. */
  constructor(private readonly maxWaitMs: number) {}

  /** Sends an acknowledgement, counted as on its way until it settles. */
  async acknowledge<T>(send: () => Promise<T>): Promise<T> {
    this.#inFlight += 1;
    try {
      return await send();
    } finally {
      this.#inFlight -= 1;
      if (this.#inFlight === 0) this.#release();
    }
  }

  /** Resolves once no acknowledgement is on its way, or after `maxWaitMs`. */
  settled(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.maxWaitMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #release(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
