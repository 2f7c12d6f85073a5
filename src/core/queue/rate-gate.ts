/**
 * Holds jobs that the scheduler has chosen until the images-per-window cap lets them start. First
 * in, first out, so the fair order the scheduler chose is the order they start in, and a large job
 * is not overtaken forever by small ones.
 */
import type { ImageWindow } from './image-window.js';
import type { Clock } from './types.js';

interface Waiter {
  label: string;
  images: number;
  admit: () => void;
}

export class RateGate {
  readonly #window: ImageWindow | undefined;
  readonly #clock: Clock;
  readonly #waiters: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;

  /** `window` undefined: no cap, every job passes at once. */
  constructor(window: ImageWindow | undefined, clock: Clock) {
    this.#window = window;
    this.#clock = clock;
  }

  /**
   * Lets `images` through. Returns `undefined` when they pass at once, so the caller can tell a job
   * that started on arrival; otherwise a promise that settles when they pass, or rejects with the
   * signal's reason when aborted while waiting.
   */
  pass(label: string, images: number, signal: AbortSignal): Promise<void> | undefined {
    if (signal.aborted) return Promise.reject(signal.reason as unknown);
    if (this.#waiters.length === 0 && this.#tryTake(images)) return undefined;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        label,
        images,
        admit: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(signal.reason as unknown);
        this.#pump();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#pump();
    });
  }

  /** Labels of the waiting jobs, next first. */
  waiting(): string[] {
    return this.#waiters.map((waiter) => waiter.label);
  }

  /** Stops the pending wake-up so a closed queue keeps no timer alive. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #tryTake(images: number): boolean {
    return this.#window?.tryTake(images, this.#clock.now()) ?? true;
  }

  #pump(): void {
    this.close();
    for (let head = this.#waiters[0]; head !== undefined; head = this.#waiters[0]) {
      if (!this.#tryTake(head.images)) {
        const delay = this.#window?.delay(head.images, this.#clock.now()) ?? 0;
        this.#timer = setTimeout(() => this.#pump(), Math.max(1, delay));
        return;
      }
      this.#waiters.shift();
      head.admit();
    }
  }
}
