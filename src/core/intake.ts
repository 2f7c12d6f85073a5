/**
 * The intake register port: platforms deliver some requests more than once (a platform retries an
 * event it thinks went unanswered, and a signed request can be replayed within its validity), so
 * each is admitted once by the platform's own id, in the store every process shares.
 */
export interface IntakeRegister {
  /** True the first time `id` is seen within `ttlMs`; false for every repeat. */
  firstTime(id: string, ttlMs: number): Promise<boolean>;
}

/**
 * How long the intake check waits on the store: with the submission's own budget after it, a user
 * hears within 10 seconds when the store does not answer.
 */
export const intakeWaitMs = 4_000;

/** Longer than the platforms' retry and replay windows (the latest known retry comes ~5 minutes on). */
export const intakeMemoryMs = 15 * 60_000;
