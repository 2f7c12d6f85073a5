/**
 * Graceful stop on SIGTERM/SIGINT: the service stops taking work, lets running jobs finish within
 * its grace period and refunds the queued ones; then the store and the rest close, in order, so
 * nothing writes to a closed store. A second signal means the operator will not wait: exit now.
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
  const { signals = ['SIGTERM', 'SIGINT'], exit = (code: number) => process.exit(code) } = options;
  let stopping = false;

  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      exit(1);
      return;
    }
    stopping = true;
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
  return () => handlers.forEach((remove) => remove());
};
