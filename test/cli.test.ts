import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashUser } from '#core/images/user-hash.js';
import { parseConfig } from '../src/config.js';
import { startFakeImagesApi, type FakeImagesApi } from './fakes/images-api.js';
import { makeTempDir } from './support/tmp.js';

const repo = resolve(import.meta.dirname, '..');
const tsx = join(repo, 'node_modules', '.bin', 'tsx');
const script = join(repo, 'scripts', 'imagine.ts');
const key = 'sk-cli-test-key-0123456789';
const prompt = '햇살이 비치는 정원에서 달리는 작은 고양이';

let fake: FakeImagesApi;
let workDir: string;
beforeAll(async () => {
  fake = await startFakeImagesApi({ apiKey: key });
  // The command reads .env from its working directory: an empty one keeps a developer's out of the test.
  workDir = await makeTempDir('imagine-cli-');
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.setFault(undefined);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the command as an operator would; asynchronously, since the fake answers from this process. */
const imagine = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
  new Promise((done, reject) => {
    const child = spawn(tsx, [script, ...args], {
      cwd: workDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        IMAGES_API_BASE_URL: fake.baseUrl,
        IMAGES_API_KEY: key,
        LOG_LEVEL: 'warn',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });

// Each run starts a fresh tsx process (about 2 s on an idle machine); a busy CI runner needs room.
describe('npm run imagine', { timeout: 60_000 }, () => {
  it('writes PNG files whose bytes equal what the server sent, without clobbering earlier runs', async () => {
    const out = join(workDir, 'out');
    const first = await imagine([prompt, '--count', '2', '--size', '1536x1024', '--out', out]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const firstPaths = first.stdout.split('\n').filter((line) => line.startsWith(out));
    expect(firstPaths).toHaveLength(2);
    const sent = fake.requests.at(-1);
    for (const [index, path] of firstPaths.entries()) {
      expect(path).toMatch(/\.png$/);
      expect((await readFile(path)).equals(sent?.images[index] ?? Buffer.alloc(0))).toBe(true);
    }
    expect(first.stdout).toContain('model: gpt-image-1.5');
    expect(first.stdout).toContain('size: 1536x1024');
    expect(first.stdout).toMatch(/tokens: \d+ \(input \d+, output \d+\)/);
    expect(sent?.body?.prompt).toBe(prompt);
    expect(sent?.body?.user).toBe(
      hashUser(parseConfig({ IMAGES_API_KEY: key }).images.userSalt, 'cli', userInfo().username),
    );

    const second = await imagine([prompt, '--out', out]);
    expect(second.code).toBe(0);
    expect(await readdir(out)).toHaveLength(3);
  });

  it('prints the specific problem and exits 1 for an option the model does not take', async () => {
    const before = fake.requests.length;
    const run = await imagine([prompt, '--size', '1792x1024', '--style', 'vivid']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('size 1792x1024 is not available for gpt-image-1.5');
    expect(run.stderr).toContain('style is not supported by gpt-image-1.5');
    expect(fake.requests.length).toBe(before);
  });

  it('names the missing variable and exits 2 when the configuration is incomplete', async () => {
    const run = await imagine([prompt], { IMAGES_API_KEY: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('IMAGES_API_KEY');
  });

  it('reports a refused prompt and exits 3, keeping the key out of the output', async () => {
    fake.setFault({ type: 'moderation', code: 'moderation_blocked' });
    const run = await imagine([prompt]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('Generation failed: contentPolicy after 1 attempt(s)');
    expect(run.stdout + run.stderr).not.toContain(key);
  });
});
