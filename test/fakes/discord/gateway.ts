/**
 * The fake gateway: a real WebSocket endpoint speaking Discord's protocol in plain JSON frames
 * (HELLO, IDENTIFY, READY, heartbeats), dispatching only the events each session's intents allow,
 * so a bot that forgets an intent never sees the event, exactly as on Discord. Each session is one
 * shard: a guild's events go only to the shard `(guild_id >> 22) % shard_count`, as on Discord.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GatewayCloseCodes, GatewayIntentBits, GatewayOpcodes } from 'discord.js';
import { WebSocketServer, type WebSocket } from 'ws';
import { guildCreatePayload, userPayload } from './payloads.js';
import type { FakeDiscordWorld } from './world.js';

/** Intents Discord refuses unless enabled in the developer portal (they are not, here). */
const privilegedIntents =
  GatewayIntentBits.GuildMembers |
  GatewayIntentBits.GuildPresences |
  GatewayIntentBits.MessageContent;

interface Session {
  socket: WebSocket;
  sequence: number;
  intents?: number;
  /** `[shard id, shard count]` from IDENTIFY. */
  shard: [number, number];
}

/** The shard Discord sends a guild's events to. Pure. */
export const shardOf = (guildId: string, shardCount: number): number =>
  Number((BigInt(guildId) >> 22n) % BigInt(shardCount));

const servesGuild = (session: Session, guildId: string | undefined): boolean =>
  guildId === undefined || shardOf(guildId, session.shard[1]) === session.shard[0];

interface Identify {
  token: string;
  intents: number;
  shard?: [number, number];
}

export interface GatewayOptions {
  token: string;
  /** @default 41250 */
  heartbeatIntervalMs?: number;
}

export class FakeGateway {
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly sessions = new Set<Session>();
  /** Each IDENTIFY's intents, in order; a test can check what the bot asked for. */
  readonly identifies: number[] = [];
  /** Each IDENTIFY's shard and when it arrived (ms since the epoch), in order. */
  readonly identifyLog: Array<{ shard: [number, number]; at: number }> = [];
  /** Events not delivered to a session because its intents did not cover them. */
  readonly withheld: Array<{ event: string; intents: number }> = [];

  constructor(
    private readonly world: FakeDiscordWorld,
    private readonly options: GatewayOptions,
  ) {}

  /** Hands over an HTTP upgrade on the gateway path. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, wsUrl: string): void {
    this.server.handleUpgrade(request, socket, head, (ws) => this.open(ws, wsUrl));
  }

  get identifiedSessions(): number {
    return [...this.sessions].filter((session) => session.intents !== undefined).length;
  }

  /**
   * Sends a dispatch to every identified session whose intents include `requiredIntent`
   * (`undefined` for events that need none, such as INTERACTION_CREATE). Returns how many got it.
   */
  dispatch(event: string, data: unknown, requiredIntent?: number): number {
    let delivered = 0;
    const guildId = (data as { guild_id?: string }).guild_id;
    for (const session of this.sessions) {
      if (session.intents === undefined || !servesGuild(session, guildId)) continue;
      if (requiredIntent !== undefined && (session.intents & requiredIntent) === 0) {
        this.withheld.push({ event, intents: session.intents });
        continue;
      }
      this.sendDispatch(session, event, data);
      delivered += 1;
    }
    return delivered;
  }

  /** Cuts every session as a network failure would, leaving the server up for the client to come back. */
  dropConnections(): void {
    for (const session of this.sessions) session.socket.terminate();
    this.sessions.clear();
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.socket.terminate();
    this.sessions.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private open(socket: WebSocket, wsUrl: string): void {
    const session: Session = { socket, sequence: 0, shard: [0, 1] };
    this.sessions.add(session);
    socket.on('close', () => this.sessions.delete(session));
    socket.on('message', (raw) => this.receive(session, raw.toString(), wsUrl));
    this.send(session, {
      op: GatewayOpcodes.Hello,
      d: { heartbeat_interval: this.options.heartbeatIntervalMs ?? 41_250 },
    });
  }

  private receive(session: Session, raw: string, wsUrl: string): void {
    const payload = JSON.parse(raw) as { op: number; d: unknown };
    switch (payload.op) {
      case GatewayOpcodes.Heartbeat:
        this.send(session, { op: GatewayOpcodes.HeartbeatAck });
        return;
      case GatewayOpcodes.Identify:
        this.identify(session, payload.d as Identify, wsUrl);
        return;
      case GatewayOpcodes.Resume:
        // No session survives here: Discord answers a stale resume with "invalid, not resumable".
        this.send(session, { op: GatewayOpcodes.InvalidSession, d: false });
        return;
      default:
        return;
    }
  }

  private identify(session: Session, data: Identify, wsUrl: string) {
    if (data.token !== this.options.token) {
      session.socket.close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    if ((data.intents & privilegedIntents) !== 0) {
      session.socket.close(GatewayCloseCodes.DisallowedIntents, 'Disallowed intent(s).');
      return;
    }
    this.identifies.push(data.intents);
    session.shard = data.shard ?? [0, 1];
    this.identifyLog.push({ shard: session.shard, at: Date.now() });
    session.intents = data.intents;
    const guilds = [...this.world.guilds.values()].filter((guild) =>
      servesGuild(session, guild.id),
    );
    this.sendDispatch(session, 'READY', {
      v: 10,
      user: userPayload(this.world.botUser),
      guilds: guilds.map((guild) => ({ id: guild.id, unavailable: true })),
      session_id: randomUUID(),
      resume_gateway_url: wsUrl,
      shard: session.shard,
      application: { id: this.world.applicationId, flags: 0 },
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      user_settings: {},
    });
    if ((data.intents & GatewayIntentBits.Guilds) === 0) {
      this.withheld.push(...guilds.map(() => ({ event: 'GUILD_CREATE', intents: data.intents })));
      return;
    }
    for (const guild of guilds)
      this.sendDispatch(session, 'GUILD_CREATE', guildCreatePayload(guild, this.world));
  }

  private sendDispatch(session: Session, event: string, data: unknown): void {
    session.sequence += 1;
    this.send(session, { op: GatewayOpcodes.Dispatch, t: event, s: session.sequence, d: data });
  }

  private send(session: Session, payload: unknown): void {
    if (session.socket.readyState === session.socket.OPEN)
      session.socket.send(JSON.stringify(payload));
  }
}
