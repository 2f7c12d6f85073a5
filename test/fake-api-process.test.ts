/**
 * Audit of issue 2's operator check, exactly as an operator runs it: `npm run fake-api` in one
 * process, `npm run imagine -- "<Korean prompt>" --out DIR` in another. A recording proxy on
 * loopback between them keeps what the fake server really sent, so the written files can be
 * compared with it byte for byte.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngDimensions } from './fakes/png.js';
import { makeTempDir } from './support/tmp.js';

const repo = resolve(import.meta.dirname, '..');
const key = 'sk-audit-operator-key-0123456789';
const prompt = '햇살이 비치는 정원에서 달리는 작은 고양이';

interface Exchange {
  requestBody: Buffer;
  responseBody: Buffer;
}

/** Forwards every request to `target` and records both bodies as they crossed the wire. */
const startRecordingProxy = async (target: URL) => {
  const exchanges: Exchange[] = [];
  const server: Server = createServer((incoming, answer) => {
    const requestChunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => requestChunks.push(chunk));
    incoming.on('end', () => {
      const requestBody = Buffer.concat(requestChunks);
      const outgoing = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: { ...incoming.headers, host: target.host },
        },
        (upstream) => {
          const responseChunks: Buffer[] = [];
          answer.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.on('data', (chunk: Buffer) => {
            responseChunks.push(chunk);
            answer.write(chunk);
          });
          upstream.on('end', () => {
            exchanges.push({ requestBody, responseBody: Buffer.concat(responseChunks) });
            answer.end();
          });
        },
      );
      outgoing.on('error', () => answer.destroy());
      outgoing.end(requestBody);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    exchanges,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
};

/** `npm run <script>` with only the environment given, from a directory without a `.env`. */
const npmRun = (args: string[], cwd: string, env: Record<string, string>) =>
  spawn('npm', ['run', '--silent', '--prefix', repo, ...args], {
    cwd,
    // Its own process group, so the whole npm -> tsx -> node chain can be stopped together.
    detached: true,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });

const finished = async (child: ChildProcess) => {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
};

let fakeApi: ChildProcess;
let fakeApiExit: Promise<unknown>;
let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
let workDir: string;

// Each npm run starts npm and tsx afresh (seconds on a busy runner).
describe(
  'npm run fake-api with npm run imagine, as an operator runs them',
  { timeout: 60_000 },
  () => {
    beforeAll(async () => {
      workDir = await makeTempDir('audit-fake-api-');
      fakeApi = npmRun(['fake-api', '--', '--port', '0', '--key', key], workDir, {});
      const lines = createInterface({ input: fakeApi.stdout! });
      fakeApiExit = finished(fakeApi);
      let baseUrl: string | undefined;
      for await (const line of lines) {
        baseUrl = /IMAGES_API_BASE_URL=(\S+)/.exec(line)?.[1];
        if (baseUrl !== undefined) break;
      }
      proxy = await startRecordingProxy(new URL(baseUrl ?? 'http://unreported.invalid'));
    }, 60_000);

    afterAll(async () => {
      await proxy?.close();
      if (fakeApi?.pid !== undefined && fakeApi.exitCode === null) {
        process.kill(-fakeApi.pid, 'SIGTERM');
        await fakeApiExit;
      }
    });

    it('writes PNG files of the requested size whose bytes equal what the server sent', async () => {
      const out = join(workDir, 'x');
      const run = await finished(
        npmRun(
          ['imagine', '--', prompt, '--count', '2', '--size', '1024x1536', '--out', out],
          workDir,
          {
            IMAGES_API_BASE_URL: proxy.baseUrl,
            IMAGES_API_KEY: key,
            LOG_LEVEL: 'warn',
          },
        ),
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);

      expect(proxy.exchanges).toHaveLength(1);
      const [exchange] = proxy.exchanges;
      expect(exchange?.requestBody.includes(Buffer.from(JSON.stringify(prompt), 'utf8'))).toBe(
        true,
      );
      const sent = (
        JSON.parse(exchange?.responseBody.toString('utf8') ?? '{}') as {
          data?: { b64_json: string }[];
        }
      ).data?.map((item) => Buffer.from(item.b64_json, 'base64'));
      expect(sent).toHaveLength(2);

      const paths = run.stdout.split('\n').filter((line) => line.startsWith(out));
      expect(paths).toHaveLength(2);
      for (const [index, path] of paths.entries()) {
        const written = await readFile(path);
        expect(written.equals(sent?.[index] ?? Buffer.alloc(0))).toBe(true);
        expect(pngDimensions(written)).toEqual({ width: 1024, height: 1536 });
      }
      expect(run.stdout).toContain('model: gpt-image-1.5');
      expect(run.stdout).toMatch(/tokens: \d+ \(input \d+, output \d+\)/);
    });
  },
);
