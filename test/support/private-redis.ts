/**
 * A Redis server of a test's own, on a free loopback port, that the test may stop, hang (SIGSTOP)
 * and resume (SIGCONT) without disturbing the shared one other tests use.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { redisAnswers } from './redis.js';

export interface PrivateRedis {
  url: string;
  /** Freezes the server: connections stay open and nothing is answered, as a hung host. */
  hang(): void;
  resume(): void;
  stop(): Promise<void>;
}

const freePort = async (): Promise<number> => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
};

/** `port`: a port to reuse, so a server stopped earlier can come back where clients look for it. */
export const startPrivateRedis = async (port?: number): Promise<PrivateRedis> => {
  port ??= await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 50 && !(await redisAnswers(url, 500)); attempt += 1)
    await new Promise((resolve) => setTimeout(resolve, 100));
  return {
    url,
    hang: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
};
