/**
 * In one process, a job's first event can come before the command's acknowledgement has reached
 * Discord, and the interaction's reply cannot be edited before it exists. The command handler
 * registers each acknowledgement here; the reporter waits for it before its first webhook call.
 */
export class PendingAcknowledgements {
  readonly #pending = new Map<string, Promise<void>>();

  /** Registers the acknowledgement of the interaction with this token (its outcome is not our concern here). */
  track(token: string, acknowledged: Promise<unknown>): void {
    const settled = acknowledged.then(
      () => undefined,
      () => undefined,
    );
    this.#pending.set(token, settled);
    void settled.then(() => this.#pending.delete(token));
  }

  /** Resolves once the interaction is acknowledged; at once when nothing is pending for it. */
  settled(token: string): Promise<void> {
    return this.#pending.get(token) ?? Promise.resolve();
  }
}
