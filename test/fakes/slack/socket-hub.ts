/**
 * Slack's side of Socket Mode: the app opens a WebSocket to the URL `apps.connections.open` gave,
 * Slack says `hello`, then sends envelopes (`slash_commands`, `events_api`) that the app must
 * acknowledge by echoing the `envelope_id` within 3 seconds.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export type EnvelopeType = 'slash_commands' | 'events_api' | 'interactive';

/** What the app sent back for an envelope: the optional response payload. */
export interface SocketAck {
  envelopeId: string;
  payload: Record<string, unknown>;
}

interface PendingAck {
  resolve: (ack: SocketAck) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class SocketHub {
  readonly #server = new WebSocketServer({ noServer: true });
  readonly #sockets = new Set<WebSocket>();
  readonly #pending = new Map<string, PendingAck>();
  readonly #connectedWaiters: Array<() => void> = [];
  /** Every connection the app opened, in order: a reconnect shows up as a second one. */
  connections = 0;

  constructor(private readonly ackTimeoutMs: number) {
    this.#server.on('connection', (socket) => this.#accept(socket));
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#server.handleUpgrade(request, socket, head, (ws) => this.#server.emit('connection', ws));
  }

  #accept(socket: WebSocket): void {
    this.connections += 1;
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('message', (data) => this.#receive(data.toString()));
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.#sockets.size,
        connection_info: { app_id: 'AFAKE' },
        debug_info: { host: 'fake-slack', approximate_connection_time: 3600 },
      }),
    );
    for (const waiter of this.#connectedWaiters.splice(0)) waiter();
  }

  #receive(text: string): void {
    let message: { envelope_id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (typeof message.envelope_id !== 'string') return;
    const pending = this.#pending.get(message.envelope_id);
    if (pending === undefined) return;
    this.#pending.delete(message.envelope_id);
    clearTimeout(pending.timer);
    pending.resolve({
      envelopeId: message.envelope_id,
      payload: (message.payload as Record<string, unknown> | undefined) ?? {},
    });
  }

  get connected(): boolean {
    return this.#sockets.size > 0;
  }

  /** Resolves once an app holds an open connection (immediately when one already does). */
  waitForConnection(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => this.#connectedWaiters.push(resolve));
  }

  /**
   * Sends one envelope to a connected app and resolves with its acknowledgement; rejects when no
   * app is connected or the ack misses Slack's deadline, as Slack would then show an error.
   */
  deliver(type: EnvelopeType, payload: unknown): Promise<SocketAck> {
    // The newest connection: after an app restarts, the old one may not have finished closing.
    const socket = [...this.#sockets].at(-1);
    if (socket === undefined) return Promise.reject(new Error('no Socket Mode app is connected'));
    const envelopeId = randomUUID();
    return new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(envelopeId);
        reject(new Error(`${type} envelope not acknowledged within ${this.ackTimeoutMs} ms`));
      }, this.ackTimeoutMs);
      this.#pending.set(envelopeId, { resolve, reject, timer });
      socket.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== 'events_api',
          ...(type === 'events_api' && { retry_attempt: 0, retry_reason: '' }),
        }),
      );
    });
  }

  /** Cuts every connection as a network failure would; the app is expected to open a new one. */
  dropConnections(): void {
    for (const socket of this.#sockets) socket.terminate();
  }

  async close(): Promise<void> {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error('fake Slack closed'));
    }
    this.#pending.clear();
    for (const socket of this.#sockets) socket.close(1001, 'fake Slack closing');
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
