/**
 * The operator's HTTP endpoints on METRICS_PORT: `/healthz` (the process answers), `/readyz` (every
 * configured platform is connected and the store answers; 503 naming what is not) and `/metrics`
 * (Prometheus text format). Nothing here accepts input beyond the path, and nothing secret is shown.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A named readiness check: resolves true when ready; a throw or a timeout counts as not ready. */
export type ReadinessChecks = Readonly<Record<string, () => boolean | Promise<boolean>>>;

export interface OpsServerOptions {
  port: number;
  /** @default '0.0.0.0', so a container's port mapping or a scraper on the network reaches it */
  host?: string;
  registry: Registry;
  checks: ReadinessChecks;
  /** How long one check may take before it counts as not ready. @default 2000 */
  checkTimeoutMs?: number;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

const timedOut = (ms: number) =>
  new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref());

/** The names of the checks that are not ready, all run at once. */
export const notReady = async (checks: ReadinessChecks, timeoutMs: number): Promise<string[]> => {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const ready = await Promise.race([
        Promise.resolve()
          .then(check)
          .catch(() => false),
        timedOut(timeoutMs),
      ]);
      return ready ? [] : [name];
    }),
  );
  return results.flat();
};

export const startOpsServer = async (options: OpsServerOptions): Promise<OpsServer> => {
  const { registry, checks } = options;
  const timeoutMs = options.checkTimeoutMs ?? 2_000;
  const server: Server = createServer((request, response) => {
    const answer = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, 'GET only\n');
    switch (path) {
      case '/healthz':
        return answer(200, 'ok\n');
      case '/readyz':
        void notReady(checks, timeoutMs).then((failing) =>
          failing.length === 0
            ? answer(200, 'ready\n')
            : answer(503, `not ready: ${failing.join(', ')}\n`),
        );
        return;
      case '/metrics':
        registry.metrics().then(
          (text) => answer(200, text, registry.contentType),
          (error: unknown) => answer(500, `metrics failed: ${String(error)}\n`),
        );
        return;
      default:
        return answer(404, 'not found: try /healthz, /readyz or /metrics\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
};
