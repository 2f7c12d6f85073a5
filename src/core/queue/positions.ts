/**
 * Position reports. Recomputing every position on each dequeue and sending each change would flood
 * chat APIs (each update is an edit of a message), so changes are gathered and sent at most once
 * per interval, and only for jobs whose position actually moved.
 */

/** Ids whose 1-based position in `order` differs from the last one reported; records the new ones. */
export const positionChanges = (
  order: readonly string[],
  reported: Map<string, number>,
): Array<{ id: string; position: number }> => {
  const changes: Array<{ id: string; position: number }> = [];
  order.forEach((id, index) => {
    const position = index + 1;
    if (reported.get(id) === position) return;
    reported.set(id, position);
    changes.push({ id, position });
  });
  return changes;
};

export interface PositionNotifierOptions {
  /** The least time between two reports to one job. */
  intervalMs: number;
  /** Waiting job ids, next first. */
  order: () => string[];
  notify: (id: string, position: number) => void;
}

export class PositionNotifier {
  readonly #options: PositionNotifierOptions;
  readonly #reported = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: PositionNotifierOptions) {
    this.#options = options;
  }

  /** Records the position a job was told at submission, so an unchanged one is not sent again. */
  told(id: string, position: number): void {
    this.#reported.set(id, position);
  }

  forget(id: string): void {
    this.#reported.delete(id);
  }

  /** Something moved: one report round follows within the interval, however many changes come. */
  changed(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      for (const { id, position } of positionChanges(this.#options.order(), this.#reported))
        this.#options.notify(id, position);
    }, this.#options.intervalMs);
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
