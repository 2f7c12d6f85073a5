/**
 * What Discord does with a message body: applies content, embeds, attachments and allowed mentions
 * to a message, refusing what Discord refuses (length limits, more than 10 files, uploads over the
 * limit, empty messages), and works out whom a message would ping.
 */
import type { UploadedFile } from './http.js';

export interface AllowedMentions {
  parse?: string[];
  users?: string[];
  roles?: string[];
  replied_user?: boolean;
}

export interface StoredAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  bytes: Buffer;
}

export interface MessageState {
  content: string;
  embeds: Array<Record<string, unknown>>;
  attachments: StoredAttachment[];
  flags: number;
  /** As sent with this create or edit; `undefined` when the body had none (Discord then parses every mention). */
  allowedMentions: AllowedMentions | undefined;
  /** Rows of buttons; kept by an edit that sends none. */
  components?: Array<Record<string, unknown>>;
}

/** A refusal in Discord's own terms. */
export class DiscordRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const limits = {
  content: 2000,
  embeds: 10,
  embedTitle: 256,
  embedDescription: 4096,
  embedFooter: 2048,
  embedFieldName: 256,
  embedFieldValue: 1024,
  embedTotal: 6000,
  filesPerMessage: 10,
} as const;

const invalidFormBody = (detail: string) =>
  new DiscordRefusal(400, 50035, `Invalid Form Body: ${detail}`);

const textLength = (value: unknown): number => (typeof value === 'string' ? [...value].length : 0);

const checkEmbeds = (embeds: Array<Record<string, unknown>>): void => {
  if (embeds.length > limits.embeds) throw invalidFormBody(`embeds: at most ${limits.embeds}`);
  let total = 0;
  for (const embed of embeds) {
    const footer = embed.footer as { text?: unknown } | undefined;
    const fields = (embed.fields as Array<{ name?: unknown; value?: unknown }> | undefined) ?? [];
    const checks: Array<[string, unknown, number]> = [
      ['title', embed.title, limits.embedTitle],
      ['description', embed.description, limits.embedDescription],
      ['footer.text', footer?.text, limits.embedFooter],
      ...fields.flatMap((field): Array<[string, unknown, number]> => [
        ['fields.name', field.name, limits.embedFieldName],
        ['fields.value', field.value, limits.embedFieldValue],
      ]),
    ];
    for (const [name, value, max] of checks) {
      const length = textLength(value);
      if (length > max) throw invalidFormBody(`embeds.${name}: ${length} is over ${max}`);
      total += length;
    }
  }
  if (total > limits.embedTotal) throw invalidFormBody(`embeds: ${total} characters in total`);
};

interface AttachmentReference {
  id: string | number;
  filename?: string;
}

const resolveAttachments = (
  previous: StoredAttachment[],
  references: AttachmentReference[] | undefined,
  files: UploadedFile[],
  newId: () => string,
): StoredAttachment[] => {
  const upload = (file: UploadedFile, filename?: string): StoredAttachment => ({
    id: newId(),
    filename: filename ?? file.filename,
    contentType: file.contentType,
    size: file.bytes.length,
    bytes: file.bytes,
  });
  if (references === undefined) return [...previous, ...files.map((file) => upload(file))];
  return references.map((reference) => {
    const kept = previous.find((attachment) => attachment.id === String(reference.id));
    if (kept) return kept;
    const file = files.find((candidate) => candidate.field === `files[${reference.id}]`);
    if (!file) throw invalidFormBody(`attachments: no file for id ${reference.id}`);
    return upload(file, reference.filename);
  });
};

/**
 * Applies a create (no `previous`) or edit body. `uploadLimit` caps the bytes of the files in this
 * one request, as Discord's per-request upload limit does.
 */
export const applyMessageBody = (
  previous: MessageState | undefined,
  body: Record<string, unknown>,
  files: UploadedFile[],
  options: { uploadLimit: number; newId: () => string; allowEmpty?: boolean },
): MessageState => {
  const content = typeof body.content === 'string' ? body.content : (previous?.content ?? '');
  if (textLength(content) > limits.content)
    throw invalidFormBody(`content: ${textLength(content)} is over ${limits.content}`);
  const embeds = Array.isArray(body.embeds)
    ? (body.embeds as Array<Record<string, unknown>>)
    : (previous?.embeds ?? []);
  checkEmbeds(embeds);

  const uploaded = files.reduce((sum, file) => sum + file.bytes.length, 0);
  if (uploaded > options.uploadLimit)
    throw new DiscordRefusal(
      413,
      40005,
      `Request entity too large: ${uploaded} bytes over ${options.uploadLimit}`,
    );
  const attachments = resolveAttachments(
    previous?.attachments ?? [],
    body.attachments as AttachmentReference[] | undefined,
    files,
    options.newId,
  );
  if (attachments.length > limits.filesPerMessage)
    throw invalidFormBody(`attachments: ${attachments.length} is over ${limits.filesPerMessage}`);

  const state: MessageState = {
    content,
    embeds,
    attachments,
    flags: typeof body.flags === 'number' ? body.flags : (previous?.flags ?? 0),
    allowedMentions: body.allowed_mentions as AllowedMentions | undefined,
    components: Array.isArray(body.components)
      ? (body.components as Array<Record<string, unknown>>)
      : (previous?.components ?? []),
  };
  if (
    !options.allowEmpty &&
    state.content === '' &&
    state.embeds.length === 0 &&
    state.attachments.length === 0
  )
    throw new DiscordRefusal(400, 50006, 'Cannot send an empty message');
  return state;
};

export interface Pings {
  everyone: boolean;
  users: string[];
  roles: string[];
  repliedUser: boolean;
}

/**
 * Whom a message would notify, by Discord's rules: with no `allowed_mentions`, every mention in
 * the content pings, and so does a reply; with it, only what it allows.
 */
export const pingsOf = (state: MessageState, isReply: boolean): Pings => {
  const allowed = state.allowedMentions;
  const parse = allowed === undefined ? ['everyone', 'users', 'roles'] : (allowed.parse ?? []);
  const mentioned = (pattern: RegExp) =>
    [...state.content.matchAll(pattern)].map((match) => match[1] as string);
  const users = mentioned(/<@!?(\d+)>/g).filter(
    (id) => parse.includes('users') || (allowed?.users ?? []).includes(id),
  );
  const roles = mentioned(/<@&(\d+)>/g).filter(
    (id) => parse.includes('roles') || (allowed?.roles ?? []).includes(id),
  );
  return {
    everyone: parse.includes('everyone') && /@(everyone|here)/.test(state.content),
    users,
    roles,
    repliedUser: isReply && (allowed === undefined || allowed.replied_user === true),
  };
};
