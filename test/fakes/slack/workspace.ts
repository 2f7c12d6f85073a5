/**
 * The state of one fake Slack workspace and the Web API methods the adapter uses, independent of
 * HTTP so the method logic reads like Slack's documentation: each method takes the decoded form
 * parameters and returns the JSON body Slack would send.
 */

export interface FakeUser {
  id: string;
  name: string;
  isAdmin: boolean;
  isOwner: boolean;
  /** As Slack reports it with `include_locale`, such as `en-US` or `ko-KR`. */
  locale: string;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  user: string;
  text: string;
  /** Every text the message has had, oldest first: the status message's progress history. */
  history: string[];
  threadTs?: string;
  fileIds: string[];
  /** Reaction name -> users who added it. */
  reactions: Map<string, string[]>;
  /** Block Kit blocks, as last posted or updated. */
  blocks: Array<Record<string, unknown>>;
  /** Set by `chat.delete`. */
  deleted: boolean;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  text: string;
  ts: string;
  blocks: Array<Record<string, unknown>>;
}

export interface FakeFile {
  id: string;
  filename: string;
  length: number;
  /** As Slack reports it; set for files users post. */
  mimetype?: string;
  /** The bytes posted to the upload URL; undefined until they arrive. */
  bytes?: Buffer;
  title?: string;
  /** Set by `files.delete`. */
  deleted?: boolean;
  /** Set by `files.completeUploadExternal`. */
  shared?: { channel: string; ts: string; initialComment?: string; threadTs?: string };
}

/** A view (a modal) the app opened with `views.open`. */
export interface FakeView {
  id: string;
  triggerId: string;
  view: Record<string, unknown>;
}

export type Params = Record<string, string>;
export type SlackResult = Record<string, unknown> & { ok: boolean };

export interface WorkspaceOptions {
  /** @default 'T0FAKE' */
  teamId?: string;
  /** The bot's own user id, as `auth.test` reports it. @default 'UBOT' */
  botUserId?: string;
  /** @default 'BBOT' */
  botId?: string;
  /** Users `users.info` knows; others are plain members with locale `en-US`. */
  users?: Array<Partial<FakeUser> & { id: string }>;
}

const fail = (error: string): SlackResult => ({ ok: false, error });

/** Blocks arrive as a JSON string field (JSON posts are flattened to strings alike). */
const blocksOf = (params: Params): Array<Record<string, unknown>> => {
  try {
    const parsed: unknown = JSON.parse(params.blocks ?? '[]');
    return Array.isArray(parsed) ? (parsed as Array<Record<string, unknown>>) : [];
  } catch {
    return [];
  }
};

export class FakeWorkspace {
  readonly teamId: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly messages: FakeMessage[] = [];
  readonly ephemerals: FakeEphemeral[] = [];
  readonly files = new Map<string, FakeFile>();
  readonly views: FakeView[] = [];
  /** Channels the bot was not added to: posting there fails as Slack fails it. */
  readonly closedChannels = new Set<string>();
  readonly #users = new Map<string, FakeUser>();
  #sequence = 0;

  constructor(
    options: WorkspaceOptions,
    private readonly uploadUrlFor: (fileId: string) => string,
    /** Where a file's bytes are served to a client with the bot token (`url_private_download`). */
    private readonly downloadUrlFor: (file: FakeFile) => string,
  ) {
    this.teamId = options.teamId ?? 'T0FAKE';
    this.botUserId = options.botUserId ?? 'UBOT';
    this.botId = options.botId ?? 'BBOT';
    for (const user of options.users ?? []) this.setUser(user);
  }

  setUser(user: Partial<FakeUser> & { id: string }): void {
    this.#users.set(user.id, {
      name: user.id.toLowerCase(),
      isAdmin: false,
      isOwner: false,
      locale: 'en-US',
      ...user,
    });
  }

  message(channel: string, ts: string): FakeMessage | undefined {
    return this.messages.find((message) => message.channel === channel && message.ts === ts);
  }

  /** A message a person posts, with files: something to run a message shortcut on. */
  postAsUser(
    channel: string,
    user: string,
    text: string,
    files: ReadonlyArray<{ filename: string; bytes: Buffer; mimetype?: string }> = [],
  ): FakeMessage {
    const message = this.#post(channel, text);
    message.user = user;
    for (const file of files) {
      const id = `F${String(this.files.size + 1).padStart(6, '0')}`;
      this.files.set(id, {
        id,
        filename: file.filename,
        length: file.bytes.length,
        bytes: file.bytes,
        mimetype: file.mimetype ?? 'image/png',
        shared: { channel, ts: message.ts },
      });
      message.fileIds.push(id);
    }
    return message;
  }

  /** A file as Slack describes it in `files.info` and in a message's `files`. */
  fileObject(file: FakeFile): Record<string, unknown> {
    return {
      id: file.id,
      name: file.filename,
      title: file.title ?? file.filename,
      mimetype: file.mimetype ?? 'application/octet-stream',
      filetype: file.filename.split('.').pop() ?? '',
      size: file.length,
      url_private: this.downloadUrlFor(file),
      url_private_download: this.downloadUrlFor(file),
    };
  }

  /** Slack message timestamps: seconds, a dot, six digits; unique and increasing per workspace. */
  #nextTs(): string {
    this.#sequence += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.#sequence).padStart(6, '0')}`;
  }

  #post(channel: string, text: string, threadTs?: string): FakeMessage {
    const message: FakeMessage = {
      channel,
      ts: this.#nextTs(),
      user: this.botUserId,
      text,
      history: [text],
      fileIds: [],
      reactions: new Map(),
      blocks: [],
      deleted: false,
      ...(threadTs !== undefined && { threadTs }),
    };
    this.messages.push(message);
    return message;
  }

  /** Dispatches a Web API method; unknown methods answer as Slack does. */
  call(method: string, params: Params): SlackResult {
    const channel = params.channel ?? params.channel_id;
    if (channel !== undefined && this.closedChannels.has(channel) && method !== 'users.info')
      return fail('not_in_channel');
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.test/',
          team: 'Fake Team',
          user: 'imagine-bot',
          team_id: this.teamId,
          user_id: this.botUserId,
          bot_id: this.botId,
        };
      case 'chat.postMessage':
        return this.#postMessage(params);
      case 'chat.update':
        return this.#update(params);
      case 'chat.delete':
        return this.#delete(params);
      case 'chat.postEphemeral':
        return this.#postEphemeral(params);
      case 'reactions.add':
        return this.#addReaction(params);
      case 'users.info':
        return this.#userInfo(params);
      case 'conversations.open':
        // The direct-message channel with one user: the same id every time, as on Slack.
        return params.users
          ? { ok: true, channel: { id: `D${params.users}` } }
          : fail('users_not_found');
      case 'files.getUploadURLExternal':
        return this.#uploadUrl(params);
      case 'files.completeUploadExternal':
        return this.#completeUpload(params);
      case 'files.delete':
        return this.#deleteFile(params);
      case 'files.info':
        return this.#fileInfo(params);
      case 'views.open':
        return this.#openView(params);
      default:
        return fail('unknown_method');
    }
  }

  #postMessage(params: Params): SlackResult {
    if (!params.channel) return fail('channel_not_found');
    if (!params.text && !params.blocks) return fail('no_text');
    const message = this.#post(params.channel, params.text ?? '', params.thread_ts);
    if (params.blocks !== undefined) message.blocks = blocksOf(params);
    return {
      ok: true,
      channel: message.channel,
      ts: message.ts,
      message: { type: 'message', user: message.user, text: message.text, ts: message.ts },
    };
  }

  #update(params: Params): SlackResult {
    const message = this.message(params.channel ?? '', params.ts ?? '');
    if (message === undefined) return fail('message_not_found');
    message.text = params.text ?? '';
    if (params.blocks !== undefined) message.blocks = blocksOf(params);
    message.history.push(message.text);
    return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
  }

  #postEphemeral(params: Params): SlackResult {
    if (!params.channel) return fail('channel_not_found');
    if (!params.user) return fail('user_not_in_channel');
    const ts = this.#nextTs();
    this.ephemerals.push({
      channel: params.channel,
      user: params.user,
      text: params.text ?? '',
      ts,
      blocks: blocksOf(params),
    });
    return { ok: true, message_ts: ts };
  }

  #addReaction(params: Params): SlackResult {
    const message = this.message(params.channel ?? '', params.timestamp ?? '');
    if (message === undefined) return fail('message_not_found');
    const name = params.name ?? '';
    const users = message.reactions.get(name) ?? [];
    if (users.includes(this.botUserId)) return fail('already_reacted');
    message.reactions.set(name, [...users, this.botUserId]);
    return { ok: true };
  }

  #userInfo(params: Params): SlackResult {
    const id = params.user ?? '';
    if (id === '') return fail('user_not_found');
    const user = this.#users.get(id) ?? { ...this.#defaultUser(id) };
    return {
      ok: true,
      user: {
        id: user.id,
        team_id: this.teamId,
        name: user.name,
        is_admin: user.isAdmin,
        is_owner: user.isOwner,
        is_bot: false,
        // Slack only reports the locale when asked, so a client that forgets to ask sees English.
        ...(params.include_locale === 'true' && { locale: user.locale }),
      },
    };
  }

  #defaultUser(id: string): FakeUser {
    return { id, name: id.toLowerCase(), isAdmin: false, isOwner: false, locale: 'en-US' };
  }

  #delete(params: Params): SlackResult {
    const message = this.message(params.channel ?? '', params.ts ?? '');
    if (message === undefined || message.deleted) return fail('message_not_found');
    if (message.user !== this.botUserId) return fail('cant_delete_message');
    message.deleted = true;
    return { ok: true, channel: message.channel, ts: message.ts };
  }

  #deleteFile(params: Params): SlackResult {
    const file = this.files.get(params.file ?? '');
    if (file === undefined || file.deleted) return fail('file_not_found');
    file.deleted = true;
    return { ok: true };
  }

  #fileInfo(params: Params): SlackResult {
    const file = this.files.get(params.file ?? '');
    if (file?.bytes === undefined || file.deleted) return fail('file_not_found');
    return { ok: true, file: this.fileObject(file) };
  }

  #openView(params: Params): SlackResult {
    if (!params.trigger_id) return fail('invalid_trigger_id');
    let view: Record<string, unknown>;
    try {
      view = JSON.parse(params.view ?? '') as Record<string, unknown>;
    } catch {
      return fail('invalid_arguments');
    }
    const id = `V${String(this.views.length + 1).padStart(6, '0')}`;
    this.views.push({ id, triggerId: params.trigger_id, view });
    return { ok: true, view: { ...view, id } };
  }

  #uploadUrl(params: Params): SlackResult {
    const length = Number(params.length);
    if (!params.filename) return fail('invalid_arguments');
    if (!Number.isInteger(length) || length <= 0) return fail('invalid_arguments');
    const id = `F${String(this.files.size + 1).padStart(6, '0')}`;
    this.files.set(id, { id, filename: params.filename, length });
    return { ok: true, upload_url: this.uploadUrlFor(id), file_id: id };
  }

  /** Stores the bytes posted to a file's upload URL; false when the file is unknown. */
  receiveUpload(fileId: string, bytes: Buffer): boolean {
    const file = this.files.get(fileId);
    if (file === undefined) return false;
    file.bytes = bytes;
    return true;
  }

  #completeUpload(params: Params): SlackResult {
    let entries: Array<{ id: string; title?: string }>;
    try {
      entries = JSON.parse(params.files ?? '[]') as Array<{ id: string; title?: string }>;
    } catch {
      return fail('invalid_arguments');
    }
    const files = entries.map((entry) => this.files.get(entry.id));
    if (entries.length === 0 || files.some((file) => file?.bytes === undefined))
      return fail('file_not_found');
    const channel = params.channel_id;
    // Slack shares all files of one completion in a single message carrying the initial comment.
    const share =
      channel === undefined
        ? undefined
        : this.#post(channel, params.initial_comment ?? '', params.thread_ts);
    return {
      ok: true,
      files: entries.map((entry, index) => {
        const file = files[index] as FakeFile;
        file.title = entry.title;
        if (share !== undefined) {
          share.fileIds.push(file.id);
          file.shared = {
            channel: share.channel,
            ts: share.ts,
            ...(params.initial_comment !== undefined && {
              initialComment: params.initial_comment,
            }),
            ...(params.thread_ts !== undefined && { threadTs: params.thread_ts }),
          };
        }
        return {
          id: file.id,
          name: file.filename,
          title: file.title ?? file.filename,
          size: file.length,
          shares: share === undefined ? {} : { public: { [share.channel]: [{ ts: share.ts }] } },
        };
      }),
    };
  }
}
