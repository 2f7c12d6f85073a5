/**
 * Runs the bot as operators do (`npm start`, which runs `src/main.ts` on node with tsx's loader) in
 * a child process whose environment the test controls completely, and watches what it prints and
 * how it ends.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { afterEach } from 'vitest';
import { configKeys } from '../../src/config.js';

const repo = resolve(import.meta.dirname, '..', '..');

/** One pino line from the bot's standard output. */
export interface LogLine {
  level: number;
  msg?: string;
  [field: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BotProcess {
  /** Everything written to standard output so far. */
  stdout(): string;
  stderr(): string;
  /** True until the process has ended. */
  alive(): boolean;
  /** Standard error and the log lines at warn or above: what to show when the process misbehaves. */
  troubles(): string;
  /** Resolves with the first log line that `match` accepts, waiting up to `timeoutMs` (30 s by default). */
  waitForLog(what: string, match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves when the process has ended; rejects if that takes longer than `timeoutMs` (20 s by default). */
  exit(timeoutMs?: number): Promise<Exit>;
  /** Sends `signal` to the process started (node itself, or npm with `via: 'npm'`). */
  signal(signal: NodeJS.Signals): void;
  /** Sends `signal` to the whole process group, as systemd and a terminal's Ctrl-C do. */
  signalGroup(signal: NodeJS.Signals): void;
}

export interface StartOptions {
  /**
   * `node`: `node --import tsx src/main.ts`, what `npm start` runs; `npm`: `npm start` itself.
   * Either way the child leads its own process group. @default 'node'
   */
  via?: 'node' | 'npm';
}

/**
 * The child's whole environment: every variable the bot reads is present (blank means unset), so
 * neither the developer's shell nor a `.env` in the repo can fill one in (dotenv never overrides a
 * variable that exists, even an empty one).
 */
export const botEnvironment = (variables: Record<string, string>): Record<string, string> => {
  const unknown = Object.keys(variables).filter((key) => !configKeys.includes(key));
  if (unknown.length > 0) throw new Error(`not variables the bot reads: ${unknown.join(', ')}`);
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...Object.fromEntries(configKeys.map((key) => [key, ''])),
    ...variables,
  };
};

/**
 * Splits standard output into pino lines; a line that is not JSON throws, since operators feed the
 * output to log collectors that expect one JSON object per line.
 */
export const parseLogLines = (stdout: string): LogLine[] =>
  stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`standard output has a line that is not JSON: ${line}`);
      }
    });

const running = new Set<ChildProcessWithoutNullStreams>();

const killGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
};

// A failed test must not leave a bot running (it would hold the fakes' sockets open).
afterEach(async () => {
  for (const child of running) {
    if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'close');
  }
});

/** Starts `src/main.ts` with exactly `variables` (see {@link botEnvironment}), from the repo root. */
export const startBotProcess = (
  variables: Record<string, string>,
  options: StartOptions = {},
): BotProcess => {
  const [command, args] =
    options.via === 'npm'
      ? ['npm', ['start', '--silent']]
      : [process.execPath, ['--import', 'tsx', 'src/main.ts']];
  const child = spawn(command, args, {
    cwd: repo,
    env: botEnvironment(variables),
    detached: true,
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  const ended = new Promise<Exit>((done) =>
    child.on('close', (code, signal) => {
      running.delete(child);
      done({ code, signal });
    }),
  );
  const outputListeners = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    for (const listener of [...outputListeners]) listener();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));

  const describeOutput = () => `\nstdout:\n${stdout}\nstderr:\n${stderr}`;
  const withTimeout = <T>(what: string, timeoutMs: number, result: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`bot process: ${what} not within ${timeoutMs} ms${describeOutput()}`)),
        timeoutMs,
      );
    });
    return Promise.race([result, timedOut]).finally(() => clearTimeout(timer));
  };

  return {
    stdout: () => stdout,
    stderr: () => stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
    troubles: () =>
      [...stdout.split('\n').filter((line) => /"level":(4|5|6)\d/.test(line)), stderr].join('\n'),
    waitForLog(what, match, timeoutMs = 30_000) {
      // Only whole lines are parsed: a chunk may end in the middle of one.
      const find = () => parseLogLines(stdout.slice(0, stdout.lastIndexOf('\n') + 1)).find(match);
      let listener = () => {};
      const found = new Promise<LogLine>((resolveLine, reject) => {
        listener = () => {
          try {
            const line = find();
            if (line !== undefined) resolveLine(line);
          } catch (error) {
            reject(error as Error);
          }
        };
        outputListeners.add(listener);
        listener();
        void ended.then(() =>
          reject(new Error(`bot process ended before ${what}${describeOutput()}`)),
        );
      });
      return withTimeout(what, timeoutMs, found).finally(() => outputListeners.delete(listener));
    },
    exit: (timeoutMs = 20_000) => withTimeout('exit', timeoutMs, ended),
    signal: (signal) => {
      child.kill(signal);
    },
    signalGroup: (signal) => {
      if (child.pid !== undefined) killGroup(child.pid, signal);
    },
  };
};
