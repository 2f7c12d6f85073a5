/**
 * Graceful stop on SIGTERM/SIGINT: the service stops taking work, lets running jobs finish within
 * its grace period and suspends the rest for the next start; then the store and the rest close, in
 * order, so nothing writes to a closed store.
 *
 * One stop can arrive as several copies: a signal to the process group (systemd's default, Ctrl-C
 * in a terminal) reaches the bot and also npm, which forwards its own copy. Copies within
 * `repeatWindowMs` of the first are that same stop. A signal after that is a person who will not
 * wait (a second Ctrl-C): exit now.
 *
 * A signal to npm alone ends npm without passing it on, leaving the bot orphaned; so the bot also
 * stops, the same orderly way, when the process that started it is gone.
 */
import type { Logger } from './log.js';
import type { GenerationService } from './service-api.js';

export interface Closeable {
  close(): Promise<void> | void;
}

export interface ShutdownOptions {
  /** @default ['SIGTERM', 'SIGINT'] */
  signals?: readonly NodeJS.Signals[];
  /** Ends the process; tests pass their own. @default process.exit */
  exit?: (code: number) => void;
  /** Signals within this long of the first are copies of it, not a second request. @default 1000 */
  repeatWindowMs?: number;
  /** How often to check that the parent process lives; 0 never checks. @default 500 */
  parentCheckMs?: number;
}

/**
 * Installs the handlers and returns a function that removes them. `closeables` close in the order
 * given, after the service has shut down; one that fails is logged and the rest still close.
 */
export const installShutdownHandlers = (
  service: Pick<GenerationService, 'shutdown'>,
  closeables: readonly Closeable[],
  logger: Logger,
  options: ShutdownOptions = {},
): (() => void) => {
  const {
    signals = ['SIGTERM', 'SIGINT'],
    exit = (code: number) => process.exit(code),
    repeatWindowMs = 1_000,
    parentCheckMs = 500,
  } = options;
  let stoppingSince: number | undefined;

  const stop = async (signal: NodeJS.Signals | 'parent exited'): Promise<void> => {
    if (stoppingSince !== undefined) {
      // The parent going away during a stop is that stop's doing (npm ends on the same signal).
      if (signal === 'parent exited') return;
      if (Date.now() - stoppingSince < repeatWindowMs) {
        logger.debug({ signal }, 'another copy of the same stop signal: already stopping');
        return;
      }
      logger.warn({ signal }, 'second signal: exiting without waiting');
      exit(1);
      return;
    }
    stoppingSince = Date.now();
    logger.info({ signal }, 'shutting down');
    let code = 0;
    try {
      await service.shutdown();
    } catch (error) {
      code = 1;
      logger.error({ err: error }, 'the generation service did not shut down cleanly');
    }
    for (const closeable of closeables) {
      try {
        await closeable.close();
      } catch (error) {
        code = 1;
        logger.error({ err: error }, 'closing a resource failed during shutdown');
      }
    }
    logger.info('shut down');
    exit(code);
  };

  const handlers = signals.map((signal) => {
    const handler = () => void stop(signal);
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  const parent = process.ppid;
  const parentCheck =
    parentCheckMs > 0
      ? setInterval(() => {
          if (process.ppid !== parent) void stop('parent exited');
        }, parentCheckMs).unref()
      : undefined;
  return () => {
    handlers.forEach((remove) => remove());
    clearInterval(parentCheck);
  };
};
