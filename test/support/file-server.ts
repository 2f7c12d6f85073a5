/**
 * Serves files over loopback HTTP, as a chat platform's CDN would, so input images are fetched for
 * real: each file at its own url, and the requests that reached it recorded.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FileServer {
  /** Publishes `bytes` and returns its url. */
  put(name: string, bytes: Buffer, contentType?: string): string;
  readonly fetched: readonly string[];
  close(): Promise<void>;
}

export const startFileServer = async (): Promise<FileServer> => {
  const files = new Map<string, { bytes: Buffer; contentType: string }>();
  const fetched: string[] = [];
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    fetched.push(path);
    const file = files.get(path);
    if (file === undefined) return void response.writeHead(404).end();
    response.writeHead(200, {
      'content-type': file.contentType,
      'content-length': file.bytes.length,
    });
    response.end(file.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let sequence = 0;
  return {
    put(name, bytes, contentType = 'image/png') {
      const path = `/files/${(sequence += 1)}/${encodeURIComponent(name)}`;
      files.set(path, { bytes, contentType });
      return `${origin}${path}`;
    },
    fetched,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
