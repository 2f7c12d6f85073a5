/**
 * The fake Discord's state: users, guilds, channels, messages (with every edit), interactions and
 * registered commands. Every change emits `change`, so a test can wait for a condition instead of
 * sleeping.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { MessageFlags, SnowflakeUtil } from 'discord.js';
import type { MessageState, Pings, StoredAttachment } from './messages.js';
import { pingsOf } from './messages.js';

export interface FakeUser {
  id: string;
  username: string;
  bot: boolean;
}

export interface FakeChannel {
  id: string;
  guildId: string;
  name: string;
  /** False when the bot lacks Send Messages here: its channel posts get 403 Missing Permissions. */
  botMaySend?: boolean;
  /** Age-restricted (NSFW). Set before the bot connects: the gateway sends it with the guild. */
  nsfw?: boolean;
}

export interface FakeRole {
  id: string;
  name: string;
}

export interface FakeGuild {
  id: string;
  name: string;
  ownerId: string;
  channels: FakeChannel[];
  memberIds: string[];
  /** Roles besides @everyone; add them before the bot connects, as the gateway sends them with the guild. */
  roles: FakeRole[];
  /** Each member's role ids, as Discord sends them with the member. */
  memberRoles: Map<string, string[]>;
}

export type MessageSource = 'interaction' | 'webhook' | 'channel';

export interface FakeMessage extends MessageState {
  id: string;
  channelId: string;
  guildId: string;
  authorId: string;
  source: MessageSource;
  /** The interaction whose reply or follow-up this is. */
  interactionId?: string;
  /** Set when the message is a reply. */
  replyTo?: string;
  /** The create and every edit, in order. */
  history: Array<MessageState & { at: number }>;
  deleted: boolean;
  reactions: Array<{ emoji: string; userId: string }>;
}

export interface FakeInteraction {
  id: string;
  token: string;
  applicationId: string;
  guildId: string;
  channelId: string;
  userId: string;
  commandName: string;
  /** Epoch ms: the token expires a lifetime after this. */
  createdAt: number;
  /** `performance.now()` when it went out on the gateway, and when the callback arrived. */
  dispatchedAt: number;
  acknowledgedAt?: number;
  /**
   * The callback: 4 (reply), 5 (deferred), 6 (deferred update), 7 (update) or 9 (modal), with
   * whether it was ephemeral.
   */
  response?: { type: number; ephemeral: boolean };
  /** @default 'command' */
  kind?: 'command' | 'messageCommand' | 'component' | 'modalSubmit';
  /** The modal the bot opened in answer (callback 9). */
  modal?: Record<string, unknown>;
  /** For a click on a component: the message it is on. */
  messageId?: string;
  originalMessageId?: string;
  attachmentSizeLimit?: number;
}

export interface RegisteredCommand extends Record<string, unknown> {
  id: string;
  name: string;
}

const GLOBAL_SCOPE = 'global';

export class FakeDiscordWorld extends EventEmitter {
  readonly users = new Map<string, FakeUser>();
  readonly guilds = new Map<string, FakeGuild>();
  readonly messages = new Map<string, FakeMessage>();
  readonly interactions = new Map<string, FakeInteraction>();
  readonly #interactionsByToken = new Map<string, FakeInteraction>();
  readonly #directChannels = new Map<string, FakeChannel>();
  /** Registered commands by scope: `global` or a guild id. */
  readonly commands = new Map<string, RegisteredCommand[]>();
  /** Each PUT of a command list, so a test can tell "registered" from "left alone". */
  readonly commandWrites: Array<{ scope: string; names: string[] }> = [];
  readonly botUser: FakeUser;
  /** Files users attached to commands, served at their CDN url like message attachments. */
  readonly uploads: StoredAttachment[] = [];

  constructor(readonly applicationId: string) {
    super();
    this.setMaxListeners(0);
    this.botUser = { id: applicationId, username: 'imagine-bot', bot: true };
    this.users.set(applicationId, this.botUser);
  }

  newId(): string {
    return SnowflakeUtil.generate().toString();
  }

  changed(): void {
    this.emit('change');
  }

  addUser(username: string, options: { bot?: boolean } = {}): FakeUser {
    const user: FakeUser = { id: this.newId(), username, bot: options.bot ?? false };
    this.users.set(user.id, user);
    return user;
  }

  /** A guild with its text channels; the bot and the owner are members. */
  addGuild(name: string, owner: FakeUser, channelCount = 1): FakeGuild {
    const id = this.newId();
    const channels = Array.from({ length: channelCount }, (_, index) => ({
      id: this.newId(),
      guildId: id,
      name: `channel-${index + 1}`,
    }));
    const guild: FakeGuild = {
      id,
      name,
      ownerId: owner.id,
      channels,
      memberIds: [this.botUser.id, owner.id],
      roles: [],
      memberRoles: new Map(),
    };
    this.guilds.set(id, guild);
    return guild;
  }

  /** A role in the guild, given to `members`. */
  addRole(guild: FakeGuild, name: string, members: readonly FakeUser[] = []): FakeRole {
    const role = { id: this.newId(), name };
    guild.roles.push(role);
    for (const member of members)
      guild.memberRoles.set(member.id, [...(guild.memberRoles.get(member.id) ?? []), role.id]);
    return role;
  }

  /** The bot's direct-message channel with a user (guild id empty), made on first use. */
  directChannel(userId: string): FakeChannel {
    const known = this.#directChannels.get(userId);
    if (known) return known;
    const channel = { id: this.newId(), guildId: '', name: `dm-${userId}` };
    this.#directChannels.set(userId, channel);
    return channel;
  }

  /** The user a direct-message channel is with. */
  directRecipient(channelId: string): string | undefined {
    for (const [userId, channel] of this.#directChannels)
      if (channel.id === channelId) return userId;
    return undefined;
  }

  /** A file a user uploads with a command (an attachment option). */
  addUpload(filename: string, bytes: Buffer, contentType = 'image/png'): StoredAttachment {
    const upload = { id: this.newId(), filename, contentType, size: bytes.length, bytes };
    this.uploads.push(upload);
    return upload;
  }

  /** A message a user posts, with files: something to run a message command on. */
  postAsUser(
    channel: FakeChannel,
    user: FakeUser,
    content: string,
    files: ReadonlyArray<{ filename: string; bytes: Buffer; contentType?: string }> = [],
  ): FakeMessage {
    return this.addMessage({
      content,
      embeds: [],
      components: [],
      attachments: files.map((file) => ({
        id: this.newId(),
        filename: file.filename,
        contentType: file.contentType ?? 'image/png',
        size: file.bytes.length,
        bytes: file.bytes,
      })),
      flags: 0,
      allowedMentions: undefined,
      channelId: channel.id,
      guildId: channel.guildId,
      authorId: user.id,
      source: 'channel',
    });
  }

  findChannel(channelId: string): FakeChannel | undefined {
    for (const channel of this.#directChannels.values())
      if (channel.id === channelId) return channel;
    for (const guild of this.guilds.values()) {
      const channel = guild.channels.find((candidate) => candidate.id === channelId);
      if (channel) return channel;
    }
    return undefined;
  }

  newInteraction(
    fields: Omit<FakeInteraction, 'id' | 'token' | 'applicationId' | 'createdAt' | 'dispatchedAt'>,
  ): FakeInteraction {
    const interaction: FakeInteraction = {
      ...fields,
      id: this.newId(),
      token: `aW50ZXJhY3Rpb24${randomBytes(24).toString('base64url')}`,
      applicationId: this.applicationId,
      createdAt: Date.now(),
      dispatchedAt: performance.now(),
    };
    this.interactions.set(interaction.id, interaction);
    this.#interactionsByToken.set(interaction.token, interaction);
    return interaction;
  }

  interactionByToken(token: string): FakeInteraction | undefined {
    return this.#interactionsByToken.get(token);
  }

  addMessage(
    fields: Omit<FakeMessage, 'id' | 'history' | 'deleted' | 'reactions'> & { id?: string },
  ): FakeMessage {
    const { id, ...rest } = fields;
    const message: FakeMessage = {
      ...rest,
      id: id ?? this.newId(),
      history: [{ ...snapshot(fields), at: Date.now() }],
      deleted: false,
      reactions: [],
    };
    this.messages.set(message.id, message);
    this.changed();
    return message;
  }

  editMessage(message: FakeMessage, state: MessageState): void {
    Object.assign(message, state);
    message.history.push({ ...snapshot(state), at: Date.now() });
    this.changed();
  }

  /** Messages in a channel, oldest first, deleted ones included unless asked otherwise. */
  channelMessages(channelId: string, options: { includeDeleted?: boolean } = {}): FakeMessage[] {
    return [...this.messages.values()].filter(
      (message) =>
        message.channelId === channelId && (options.includeDeleted === true || !message.deleted),
    );
  }

  /** Whom each create or edit of a message would have notified. */
  pings(message: FakeMessage): Pings[] {
    return message.history.map((state) => pingsOf(state, message.replyTo !== undefined));
  }

  registeredCommands(scope: string | undefined): RegisteredCommand[] {
    return this.commands.get(scope ?? GLOBAL_SCOPE) ?? [];
  }

  putCommands(scope: string | undefined, commands: RegisteredCommand[]): void {
    const key = scope ?? GLOBAL_SCOPE;
    this.commands.set(key, commands);
    this.commandWrites.push({ scope: key, names: commands.map((command) => command.name) });
    this.changed();
  }

  /**
   * The first private (ephemeral) message still standing that answers `interaction` and `matches`
   * (by default: one with text), once there is one.
   */
  privateAnswer(
    interaction: Pick<FakeInteraction, 'id' | 'commandName'>,
    matches: (message: FakeMessage) => boolean = (message) => message.content !== '',
    timeoutMs?: number,
  ): Promise<FakeMessage> {
    return this.until(
      () =>
        [...this.messages.values()].find(
          (message) =>
            message.interactionId === interaction.id &&
            !message.deleted &&
            (message.flags & MessageFlags.Ephemeral) !== 0 &&
            matches(message),
        ),
      `the private answer to ${interaction.commandName}`,
      timeoutMs,
    );
  }

  /**
   * Resolves with the first truthy value of `probe`, checked now and after every change; rejects
   * after `timeoutMs` with `what` in the message, so a failing test says what it waited for.
   */
  until<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (!value) return false;
        cleanup();
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake Discord: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('change', check);
      };
      if (!check()) this.on('change', check);
    });
  }
}

const snapshot = (state: MessageState): MessageState => ({
  content: state.content,
  embeds: state.embeds,
  attachments: state.attachments,
  flags: state.flags,
  allowedMentions: state.allowedMentions,
  components: state.components ?? [],
});
