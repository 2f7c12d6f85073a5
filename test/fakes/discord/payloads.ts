/**
 * The fake's state rendered as Discord API v10 JSON: what the gateway dispatches and REST returns.
 * Only the fields discord.js reads are filled in, with Discord's names and types.
 */
import { ChannelType, PermissionFlagsBits, SnowflakeUtil } from 'discord.js';
import type { StoredAttachment } from './messages.js';
import type { FakeChannel, FakeDiscordWorld, FakeGuild, FakeMessage, FakeUser } from './world.js';

type Json = Record<string, unknown>;

/** What an ordinary member may do: read, write, react; not manage the server. */
export const memberPermissions =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.UseApplicationCommands;

/** /imagine options for a small, fast, non-streaming request: dall-e-2 at 256x256. */
export const smallImageOptions = (prompt: string, count = 1): InteractionOption[] => [
  { name: 'prompt', type: 3, value: prompt },
  { name: 'model', type: 3, value: 'dall-e-2' },
  { name: 'size', type: 3, value: '256x256' },
  { name: 'count', type: 4, value: count },
];

export const adminPermissions = memberPermissions | PermissionFlagsBits.ManageGuild;

const timestamp = (id: string) => new Date(SnowflakeUtil.timestampFrom(id)).toISOString();

export const userPayload = (user: FakeUser): Json => ({
  id: user.id,
  username: user.username,
  global_name: user.username,
  discriminator: '0',
  avatar: null,
  bot: user.bot,
  public_flags: 0,
});

/** A member without its `user`, as in `resolved.members`. */
const memberFields = (
  user: FakeUser,
  permissions?: bigint,
  roles: readonly string[] = [],
): Json => ({
  nick: null,
  roles,
  joined_at: timestamp(user.id),
  deaf: false,
  mute: false,
  flags: 0,
  ...(permissions !== undefined && { permissions: permissions.toString() }),
});

export const memberPayload = (
  user: FakeUser,
  permissions?: bigint,
  roles: readonly string[] = [],
): Json => ({
  user: userPayload(user),
  ...memberFields(user, permissions, roles),
});

const rolePayload = (role: { id: string; name: string }, permissions: bigint): Json => ({
  id: role.id,
  name: role.name,
  color: 0,
  colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
  hoist: false,
  icon: null,
  unicode_emoji: null,
  position: 0,
  permissions: permissions.toString(),
  managed: false,
  mentionable: false,
  flags: 0,
});

export const channelPayload = (channel: FakeChannel): Json => ({
  id: channel.id,
  type: ChannelType.GuildText,
  guild_id: channel.guildId,
  name: channel.name,
  position: 0,
  permission_overwrites: [],
  nsfw: channel.nsfw ?? false,
  topic: null,
  last_message_id: null,
  parent_id: null,
  rate_limit_per_user: 0,
  flags: 0,
});

export const guildCreatePayload = (guild: FakeGuild, world: FakeDiscordWorld): Json => ({
  id: guild.id,
  name: guild.name,
  icon: null,
  splash: null,
  discovery_splash: null,
  owner_id: guild.ownerId,
  afk_channel_id: null,
  afk_timeout: 300,
  verification_level: 0,
  default_message_notifications: 0,
  explicit_content_filter: 0,
  roles: [
    rolePayload({ id: guild.id, name: '@everyone' }, memberPermissions),
    ...guild.roles.map((role) => rolePayload(role, 0n)),
  ],
  emojis: [],
  stickers: [],
  features: [],
  mfa_level: 0,
  application_id: null,
  system_channel_id: null,
  system_channel_flags: 0,
  rules_channel_id: null,
  public_updates_channel_id: null,
  safety_alerts_channel_id: null,
  vanity_url_code: null,
  description: null,
  banner: null,
  premium_tier: 0,
  premium_subscription_count: 0,
  preferred_locale: 'en-US',
  nsfw_level: 0,
  premium_progress_bar_enabled: false,
  joined_at: timestamp(guild.id),
  large: false,
  unavailable: false,
  member_count: guild.memberIds.length,
  voice_states: [],
  members: guild.memberIds.flatMap((id) => {
    const user = world.users.get(id);
    return user ? [memberPayload(user, undefined, guild.memberRoles.get(id))] : [];
  }),
  channels: guild.channels.map(channelPayload),
  threads: [],
  presences: [],
  stage_instances: [],
  guild_scheduled_events: [],
  soundboard_sounds: [],
});

/** An attachment with its CDN url, which the fake serves. */
export const attachmentPayload = (attachment: StoredAttachment, baseUrl: string): Json => ({
  id: attachment.id,
  filename: attachment.filename,
  size: attachment.size,
  content_type: attachment.contentType,
  url: `${baseUrl}/attachments/${attachment.id}/${encodeURIComponent(attachment.filename)}`,
  proxy_url: `${baseUrl}/attachments/${attachment.id}/${encodeURIComponent(attachment.filename)}`,
});

export const messagePayload = (
  message: FakeMessage,
  world: FakeDiscordWorld,
  baseUrl: string,
): Json => ({
  id: message.id,
  type: message.replyTo ? 19 : message.interactionId ? 20 : 0,
  channel_id: message.channelId,
  guild_id: message.guildId,
  author: userPayload(world.users.get(message.authorId) ?? world.botUser),
  content: message.content,
  timestamp: timestamp(message.id),
  edited_timestamp: message.history.length > 1 ? new Date().toISOString() : null,
  tts: false,
  mention_everyone: false,
  mentions: [],
  mention_roles: [],
  attachments: message.attachments.map((attachment) => attachmentPayload(attachment, baseUrl)),
  embeds: message.embeds,
  reactions: [],
  pinned: false,
  flags: message.flags,
  components: message.components ?? [],
  ...(message.replyTo && {
    message_reference: {
      type: 0,
      message_id: message.replyTo,
      channel_id: message.channelId,
      guild_id: message.guildId,
    },
  }),
  ...(message.interactionId && { application_id: world.applicationId }),
});

/** An option as Discord sends it in an interaction. */
export type InteractionOption =
  | { name: string; type: 3 | 4 | 5 | 6 | 7 | 8 | 10 | 11; value: string | number | boolean }
  | { name: string; type: 1 | 2; options?: InteractionOption[] };

const USER_OPTION = 6;
const CHANNEL_OPTION = 7;
const ROLE_OPTION = 8;

/** The values of every option of one type, through subcommands and groups. */
const idsIn = (options: readonly InteractionOption[], type: number): string[] =>
  options.flatMap((option) =>
    !('value' in option)
      ? idsIn(option.options ?? [], type)
      : option.type === type
        ? [String(option.value)]
        : [],
  );

export const interactionPayload = (
  world: FakeDiscordWorld,
  fields: {
    id: string;
    token: string;
    guild: FakeGuild;
    channel: FakeChannel;
    user: FakeUser;
    permissions: bigint;
    commandName: string;
    commandId: string;
    options: readonly InteractionOption[];
    locale: string;
    attachmentSizeLimit?: number;
    directMessage?: boolean;
    /** Files of attachment options (type 11, whose value is the attachment id). */
    uploads?: readonly StoredAttachment[];
    /** The CDN origin attachment urls point at. */
    baseUrl?: string;
  },
): Json => {
  if (fields.directMessage)
    return directMessagePayload(
      interactionPayload(world, { ...fields, directMessage: false }),
      fields.user,
    );
  const mentionedUsers = idsIn(fields.options, USER_OPTION).flatMap((id) => {
    const user = world.users.get(id);
    return user ? [user] : [];
  });
  const mentionedChannels = idsIn(fields.options, CHANNEL_OPTION).flatMap((id) => {
    const channel = world.findChannel(id);
    return channel ? [channel] : [];
  });
  const mentionedRoles = idsIn(fields.options, ROLE_OPTION).flatMap((id) => {
    const role = fields.guild.roles.find((candidate) => candidate.id === id);
    return role ? [role] : [];
  });
  const resolved = {
    ...(mentionedUsers.length > 0 && {
      users: Object.fromEntries(mentionedUsers.map((user) => [user.id, userPayload(user)])),
      members: Object.fromEntries(
        mentionedUsers.map((user) => [user.id, memberFields(user, memberPermissions)]),
      ),
    }),
    ...(mentionedChannels.length > 0 && {
      channels: Object.fromEntries(
        mentionedChannels.map((channel) => [
          channel.id,
          {
            id: channel.id,
            name: channel.name,
            type: ChannelType.GuildText,
            permissions: memberPermissions.toString(),
          },
        ]),
      ),
    }),
    ...(mentionedRoles.length > 0 && {
      roles: Object.fromEntries(mentionedRoles.map((role) => [role.id, rolePayload(role, 0n)])),
    }),
    ...((fields.uploads?.length ?? 0) > 0 && {
      attachments: Object.fromEntries(
        (fields.uploads ?? []).map((upload) => [
          upload.id,
          attachmentPayload(upload, fields.baseUrl ?? ''),
        ]),
      ),
    }),
  };
  return {
    id: fields.id,
    application_id: world.applicationId,
    type: 2,
    token: fields.token,
    version: 1,
    guild_id: fields.guild.id,
    guild: { id: fields.guild.id, locale: 'en-US', features: [] },
    channel_id: fields.channel.id,
    channel: channelPayload(fields.channel),
    member: memberPayload(
      fields.user,
      fields.permissions,
      fields.guild.memberRoles.get(fields.user.id),
    ),
    app_permissions: adminPermissions.toString(),
    locale: fields.locale,
    guild_locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': fields.guild.id },
    context: 0,
    ...(fields.attachmentSizeLimit !== undefined && {
      attachment_size_limit: fields.attachmentSizeLimit,
    }),
    data: {
      id: fields.commandId,
      name: fields.commandName,
      type: 1,
      guild_id: fields.guild.id,
      options: fields.options,
      ...(Object.keys(resolved).length > 0 && { resolved }),
    },
  };
};

/** The same command sent from a direct message: no guild, no member, the user instead. */
const directMessagePayload = (inGuild: Json, user: FakeUser): Json => {
  const payload = { ...inGuild } as Record<string, unknown>;
  for (const guildField of ['guild_id', 'guild', 'member', 'guild_locale'])
    delete payload[guildField];
  const channel = payload.channel as Record<string, unknown>;
  const data = { ...(payload.data as Record<string, unknown>) };
  delete data.guild_id;
  return {
    ...payload,
    user: userPayload(user),
    context: 1,
    authorizing_integration_owners: { '1': user.id },
    channel: {
      id: channel.id,
      type: ChannelType.DM,
      last_message_id: null,
      flags: 0,
      recipients: [userPayload(user)],
    },
    data,
  } as Json;
};
