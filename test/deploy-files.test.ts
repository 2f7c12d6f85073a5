/**
 * The deployment files (compose.yaml, the systemd unit, the Dockerfile) set only variables that
 * .env.example documents, so an operator never meets a setting that exists nowhere else. The
 * Docker engine is not available where the tests run, so the files are checked as text.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repo = resolve(import.meta.dirname, '..');
const read = (path: string) => readFile(join(repo, path), 'utf8');

/** Variables set in a compose file's `environment` (map or list form), by service. Pure. */
const composeVariables = (text: string): Record<string, string[]> => {
  const compose = parse(text) as {
    services: Record<string, { environment?: Record<string, unknown> | string[] }>;
  };
  return Object.fromEntries(
    Object.entries(compose.services).map(([name, service]) => {
      const environment = service.environment ?? {};
      const keys = Array.isArray(environment)
        ? environment.map((entry) => entry.split('=')[0]!)
        : Object.keys(environment);
      return [name, keys];
    }),
  );
};

/** Variables set by `Environment=` lines of a systemd unit, several per line allowed. Pure. */
const unitVariables = (text: string): string[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith('Environment='))
    .flatMap((line) =>
      [...line.slice('Environment='.length).matchAll(/"([^"=]+)=[^"]*"|([^\s"=]+)=\S*/g)].map(
        (match) => match[1] ?? match[2]!,
      ),
    );

/** Variables set by `ENV` instructions of a Dockerfile. Pure. */
const dockerfileVariables = (text: string): string[] =>
  text
    .split('\n')
    .filter((line) => /^ENV\s/.test(line))
    .flatMap((line) =>
      [...line.slice(4).matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)].map((match) => match[1]!),
    );

const documented = async () =>
  new Set([...(await read('.env.example')).matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));

describe('deployment files', () => {
  it('read the variables each form sets', () => {
    expect(
      composeVariables(
        'services:\n  a:\n    environment:\n      ONE: 1\n  b:\n    environment: ["TWO=2", "THREE"]\n  c: {}\n',
      ),
    ).toEqual({ a: ['ONE'], b: ['TWO', 'THREE'], c: [] });
    expect(
      unitVariables('Environment=A=1 "B=two words"\nEnvironmentFile=/x\nEnvironment=C=3'),
    ).toEqual(['A', 'B', 'C']);
    expect(dockerfileVariables('FROM x\nENV A=1 B=2\nRUN ENV=3')).toEqual(['A', 'B']);
  });

  it('set only variables that .env.example documents', async () => {
    const known = await documented();
    const set = [
      ...Object.values(composeVariables(await read('compose.yaml'))).flat(),
      ...unitVariables(await read('deploy/imagine-bot.service')),
      ...dockerfileVariables(await read('Dockerfile')),
    ];
    expect(set.length).toBeGreaterThan(0);
    expect(set.filter((name) => !known.has(name))).toEqual([]);
  });

  it('compose: Redis keeps its data, and the bot uses it with its health on METRICS_PORT', async () => {
    const compose = parse(await read('compose.yaml')) as {
      services: Record<string, Record<string, unknown>>;
      volumes: Record<string, unknown>;
    };
    const { redis, bot } = compose.services;
    expect(redis?.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(redis?.volumes).toEqual(['redis-data:/data']);
    expect(Object.keys(compose.volumes)).toContain('redis-data');
    const environment = bot?.environment as Record<string, string>;
    expect(environment.STORE_URL).toBe('redis://redis:6379');
    expect(JSON.stringify((bot?.healthcheck as { test: unknown }).test)).toContain(
      `127.0.0.1:${environment.METRICS_PORT}/readyz`,
    );
    expect(bot?.env_file).toBe('.env');
  });

  it('compose: a gateway and scalable workers on the same Redis, only under the distributed profile', async () => {
    const compose = parse(await read('compose.yaml')) as {
      services: Record<string, Record<string, unknown>>;
    };
    const { bot, gateway, worker } = compose.services;
    // `docker compose up` alone still starts the one process that does everything.
    expect(bot?.profiles).toBeUndefined();
    expect((bot?.environment as Record<string, string>).BOT_ROLE).toBeUndefined();
    for (const [service, role] of [
      [gateway, 'gateway'],
      [worker, 'worker'],
    ] as const) {
      expect(service?.profiles).toEqual(['distributed']);
      const environment = service?.environment as Record<string, string>;
      expect(environment.BOT_ROLE).toBe(role);
      expect(environment.STORE_URL).toBe((bot?.environment as Record<string, string>).STORE_URL);
      expect(service?.env_file).toBe('.env');
      expect(JSON.stringify((service?.healthcheck as { test: unknown }).test)).toContain(
        `127.0.0.1:${environment.METRICS_PORT}/readyz`,
      );
      expect(service?.stop_grace_period).toBe(bot?.stop_grace_period);
    }
    // `--scale worker=N` needs no fixed host port or container name.
    expect(worker?.ports).toBeUndefined();
    expect(worker?.container_name).toBeUndefined();
  });

  it('Dockerfile: Node 20, production dependencies only, and not root in the final stage', async () => {
    const dockerfile = await read('Dockerfile');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages).toHaveLength(2);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-/m);
    expect(stages[0]).toContain('npm ci --omit=dev');
    const final = stages[1]!;
    expect(final).toMatch(/^USER node$/m);
    expect(final).not.toMatch(/npm (ci|install)/);
    expect(final).toContain('COPY --from=dependencies /app/node_modules ./node_modules');
  });
});
