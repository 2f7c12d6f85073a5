import type { Clock } from '../queue/types.js';
import type { JobEvent, LastEvent, ProgressEvent } from '../jobs.js';

/**
 * One job's events on their way to its reporter: one at a time, in the order they happened, with
 * progress coalesced. A chat message is edited at most once per interval, and a position or
 * preview superseded while waiting is dropped rather than shown late; the ending waits for any
 * delivery in flight, replaces the progress still waiting, and is delivered exactly once.
 *
 * A job can start before the code that queued it has announced its place, so nothing is delivered
 * before {@link JobLine.open}: a message is never edited to "started" and then back to "queued".
 */
export class JobLine {
  readonly #deliver: (event: JobEvent) => Promise<void>;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  #opened = false;
  #busy = false;
  #pending: ProgressEvent | undefined;
  #ending: { event: LastEvent; delivered: () => void } | undefined;
  #ended: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastDeliveredAt = Number.NEGATIVE_INFINITY;

  /** `deliver` must not reject: it is the service's guarded report. */
  constructor(deliver: (event: JobEvent) => Promise<void>, intervalMs: number, clock: Clock) {
    this.#deliver = deliver;
    this.#intervalMs = intervalMs;
    this.#clock = clock;
  }

  /** Delivers the first event, if any, then lets everything sent so far follow. */
  open(first?: ProgressEvent): void {
    if (first === undefined) {
      this.#opened = true;
      this.#pump();
      return;
    }
    this.#busy = true;
    void this.#deliver(first).then(() => {
      this.#opened = true;
      this.#delivered();
    });
  }

  /** The newest progress; replaces any not yet delivered. Ignored once the job is ending. */
  progress(event: ProgressEvent): void {
    if (this.#ended !== undefined) return;
    this.#pending = event;
    this.#pump();
  }

  /** The job's ending (or suspension); resolves once delivered. A second one is ignored. */
  end(event: LastEvent): Promise<void> {
    this.#ended ??= new Promise((resolve) => {
      this.#ending = { event, delivered: resolve };
      this.#pending = undefined;
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#pump();
    });
    return this.#ended;
  }

  #pump(): void {
    if (!this.#opened || this.#busy) return;
    const ending = this.#ending;
    if (ending !== undefined) {
      this.#ending = undefined;
      this.#busy = true;
      void this.#deliver(ending.event).then(ending.delivered);
      return;
    }
    if (this.#pending === undefined || this.#timer !== undefined) return;
    const wait = this.#lastDeliveredAt + this.#intervalMs - this.#clock.now();
    if (wait > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#pump();
      }, wait);
      return;
    }
    const event = this.#pending;
    this.#pending = undefined;
    this.#busy = true;
    void this.#deliver(event).then(() => this.#delivered());
  }

  #delivered(): void {
    this.#lastDeliveredAt = this.#clock.now();
    this.#busy = false;
    this.#pump();
  }
}
