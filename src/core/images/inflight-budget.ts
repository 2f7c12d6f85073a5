/**
 * Image bytes held in memory, capped per job and for the whole process. Everything read from the
 * Images API for an attempt (its JSON or event stream, its url downloads) is counted as it arrives
 * and given back when the attempt ends, so endless or huge answers to many jobs at once cannot take
 * the process past IMAGES_MAX_INFLIGHT_BYTES: the job that would go over fails instead.
 */
import { ImageDataError } from './decode.js';

/** One attempt's share of the process budget. */
export interface JobBytes {
  /** Counts `bytes` more, or throws a `tooLarge` `ImageDataError` naming the cap they would pass. */
  take(bytes: number): void;
  /** Gives back everything this attempt took; later calls do nothing. */
  release(): void;
}

/**
 * Each running job's share of the process budget. With every share this small, jobs running
 * together never fail for each other's bytes, and all they can read before failing, garbage not yet
 * collected included, is the budget.
 */
export const jobShare = (maxInflightBytes: number, concurrency: number): number =>
  Math.max(1, Math.floor(maxInflightBytes / concurrency));

export class InflightBudget {
  #held = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxJobBytes: number,
  ) {}

  /** Bytes held now by every attempt in the process. */
  get held(): number {
    return this.#held;
  }

  forJob(): JobBytes {
    let taken = 0;
    let released = false;
    return {
      take: (bytes) => {
        if (released) return;
        if (taken + bytes > this.maxJobBytes)
          throw new ImageDataError(
            'tooLarge',
            `the images of one request came to more than ${this.maxJobBytes} bytes, the most one request may hold in memory`,
          );
        if (this.#held + bytes > this.maxBytes)
          throw new ImageDataError(
            'tooLarge',
            `the requests running now hold ${this.#held} bytes of images and this one would pass IMAGES_MAX_INFLIGHT_BYTES (${this.maxBytes})`,
          );
        taken += bytes;
        this.#held += bytes;
      },
      release: () => {
        if (released) return;
        released = true;
        this.#held -= taken;
      },
    };
  }
}
