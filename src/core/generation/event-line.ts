import type { JobEvent } from '../jobs.js';

/**
 * One job's events, delivered one at a time in the order they happened. A job can start before the
 * code that queued it has announced its place, so every event waits behind the first one (`queued`)
 * and behind each other: a chat message is never edited to "started" and then back to "queued".
 */
export class EventLine {
  readonly #deliver: (event: JobEvent) => Promise<void>;
  #tail: Promise<void>;
  #open: () => void = () => {};

  /** `deliver` must not reject: it is the service's logged, guarded report. */
  constructor(deliver: (event: JobEvent) => Promise<void>) {
    this.#deliver = deliver;
    this.#tail = new Promise((resolve) => (this.#open = resolve));
  }

  /** Delivers the first event, then lets everything sent so far follow. */
  open(first: JobEvent): void {
    void this.#deliver(first).then(this.#open);
  }

  /** Queues an event behind every earlier one; resolves once it is delivered. */
  send(event: JobEvent): Promise<void> {
    this.#tail = this.#tail.then(() => this.#deliver(event));
    return this.#tail;
  }
}
