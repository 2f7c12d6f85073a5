import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '#core/log.js';
import { installShutdownHandlers } from '#core/shutdown.js';
import { delivery, requester, smallRequest } from './support/service-harness.js';
import { harnessPerTest } from './support/harness-per-test.js';

const startHarness = harnessPerTest();
let uninstall: (() => void) | undefined;
afterEach(() => {
  uninstall?.();
  uninstall = undefined;
});

const logger = createLogger({ level: 'silent' });

/** Resolves with the exit code the handlers ask for. */
const exitCode = () => {
  let resolve: (code: number) => void = () => {};
  const exited = new Promise<number>((done) => (resolve = done));
  return { exited, exit: (code: number) => resolve(code) };
};

describe('shutdown on a signal', () => {
  it('shuts the service down (suspending queued jobs), then closes the store, then exits 0', async () => {
    const harness = await startHarness({
      queue: { concurrency: 1, shutdownGraceMs: 5_000 },
      api: { latencyMs: 1_000 },
    });
    const { service, reporter } = harness;
    const running = await service.submit(smallRequest('running'), requester('g1', 'u1'), delivery);
    const queued = await service.submit(smallRequest('queued', 2), requester('g1', 'u2'), delivery);
    const closed: string[] = [];
    const { exited, exit } = exitCode();
    uninstall = installShutdownHandlers(
      service,
      [
        {
          close: () => {
            closed.push('store');
          },
        },
        {
          close: () => {
            closed.push('gateway');
          },
        },
      ],
      logger,
      { signals: ['SIGUSR2'], exit },
    );

    process.kill(process.pid, 'SIGUSR2');
    expect(await exited).toBe(0);
    expect(closed).toEqual(['store', 'gateway']);
    expect(reporter.typesOf(running.job.id)).toEqual(['queued', 'started', 'completed']);
    expect(reporter.eventsOf(queued.job.id).at(-1)).toEqual({ type: 'suspended' });
    // Suspended, not refunded: it resumes at the next start.
    expect((await service.standing('g1', 'u2')).user.used).toBe(2);
  });

  it('still closes the rest when one closeable fails, and exits 1', async () => {
    const harness = await startHarness();
    const closed: string[] = [];
    const { exited, exit } = exitCode();
    uninstall = installShutdownHandlers(
      harness.service,
      [
        {
          close: () => {
            throw new Error('already closed');
          },
        },
        {
          close: () => {
            closed.push('second');
          },
        },
      ],
      logger,
      { signals: ['SIGUSR2'], exit },
    );
    process.kill(process.pid, 'SIGUSR2');
    expect(await exited).toBe(1);
    expect(closed).toEqual(['second']);
  });

  it('exits 1 at once on a second signal after the first, past the window for copies', async () => {
    const harness = await startHarness({
      queue: { shutdownGraceMs: 5_000 },
      api: { latencyMs: 1_000 },
    });
    await harness.service.submit(smallRequest('slow'), requester('g1', 'u1'), delivery);
    const codes: number[] = [];
    let second: (code: number) => void = () => {};
    const secondExit = new Promise<number>((resolve) => (second = resolve));
    // Two signals sent before the first is handled may arrive as one: wait for the first to act.
    let began: () => void = () => {};
    const shuttingDown = new Promise<void>((resolve) => (began = resolve));
    const watching = createLogger({
      destination: {
        write: (line: string) => {
          if (JSON.parse(line).msg === 'shutting down') began();
        },
      },
    });
    uninstall = installShutdownHandlers(harness.service, [], watching, {
      signals: ['SIGUSR2'],
      repeatWindowMs: 0,
      exit: (code) => {
        codes.push(code);
        second(code);
      },
    });
    process.kill(process.pid, 'SIGUSR2');
    await shuttingDown;
    process.kill(process.pid, 'SIGUSR2');
    expect(await secondExit).toBe(1);
    expect(codes).toEqual([1]);
  });

  it('takes copies of one signal that arrive together (group and npm) as one orderly stop', async () => {
    const harness = await startHarness({
      queue: { shutdownGraceMs: 5_000 },
      api: { latencyMs: 300 },
    });
    const { job } = await harness.service.submit(
      smallRequest('finishes'),
      requester('g1', 'u1'),
      delivery,
    );
    const codes: number[] = [];
    const { exited, exit } = exitCode();
    uninstall = installShutdownHandlers(harness.service, [], logger, {
      signals: ['SIGUSR2'],
      exit: (code) => {
        codes.push(code);
        exit(code);
      },
    });
    process.kill(process.pid, 'SIGUSR2');
    process.kill(process.pid, 'SIGUSR2');
    expect(await exited).toBe(0);
    expect(codes).toEqual([0]);
    expect(harness.reporter.typesOf(job.id)).toEqual(['queued', 'started', 'completed']);
  });
});
