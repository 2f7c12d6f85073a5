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
  /** Nothing passes before this (epoch ms): the upstream asked to wait. */
  #heldUntil = 0;

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

  /** Lets nothing pass for `ms`; jobs arriving meanwhile wait in line. */
  holdFor(ms: number): void {
    this.#heldUntil = Math.max(this.#heldUntil, this.#clock.now() + ms);
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
    const now = this.#clock.now();
    if (now < this.#heldUntil) return false;
    return this.#window?.tryTake(images, now) ?? true;
  }

  #delay(images: number): number {
    const now = this.#clock.now();
    return Math.max(this.#heldUntil - now, this.#window?.delay(images, now) ?? 0);
  }

  #pump(): void {
    this.close();
    for (let head = this.#waiters[0]; head !== undefined; head = this.#waiters[0]) {
      if (!this.#tryTake(head.images)) {
        this.#timer = setTimeout(() => this.#pump(), Math.max(1, this.#delay(head.images)));
        return;
      }
      this.#waiters.shift();
      head.admit();
    }
  }
}
