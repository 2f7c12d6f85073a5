/**
 * Providers cap images per minute across the whole key, and one request may ask for several images,
 * so the cap counts images, not requests (p-queue's interval cap counts tasks). A sliding log of
 * recent starts: exact at the window's edge, where a fixed-interval counter lets up to twice the cap
 * through across a boundary. Pure: every call takes the time.
 */

export interface ImageWindowOptions {
  /** Images allowed to start within any window. */
  limit: number;
  /** @default 60000 (one minute) */
  windowMs?: number;
}

export class ImageWindow {
  readonly limit: number;
  readonly windowMs: number;
  /** Starts still inside the window, oldest first. */
  readonly #starts: Array<{ at: number; images: number }> = [];
  #inWindow = 0;

  constructor(options: ImageWindowOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? 60_000;
  }

  /**
   * Milliseconds to wait before `images` may start; 0 when they may start now. A request larger
   * than the whole limit waits for an empty window instead of forever.
   */
  delay(images: number, now: number): number {
    this.#forget(now);
    let excess = this.#inWindow + Math.min(images, this.limit) - this.limit;
    if (excess <= 0) return 0;
    // Oldest first: the wait ends when enough earlier starts have slid out of the window.
    for (const start of this.#starts) {
      excess -= start.images;
      if (excess <= 0) return start.at + this.windowMs - now;
    }
    return 0;
  }

  /** Starts `images` now if the window allows; returns whether it did. */
  tryTake(images: number, now: number): boolean {
    if (this.delay(images, now) > 0) return false;
    this.#starts.push({ at: now, images });
    this.#inWindow += images;
    return true;
  }

  #forget(now: number): void {
    for (let oldest = this.#starts[0]; oldest !== undefined; oldest = this.#starts[0]) {
      if (oldest.at + this.windowMs > now) return;
      this.#starts.shift();
      this.#inWindow -= oldest.images;
    }
  }
}
