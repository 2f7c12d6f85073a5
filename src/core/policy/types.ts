/**
 * A guild's generation policy: where the bot may be used, what it refuses to draw, what members may
 * ask for, and where every job is reported. Plain data, read fresh from the store for each request
 * so a change made through any process holds at once everywhere.
 */

export type ModerationPolicy = 'auto' | 'allow-low-in-nsfw';
export const moderationPolicies: readonly ModerationPolicy[] = ['auto', 'allow-low-in-nsfw'];

/** What members may ask for; an absent field is no limit. */
export interface RequestLimits {
  /** Model ids members may choose. */
  models?: readonly string[];
  maxCount?: number;
  /** The highest quality allowed, on the scale of {@link qualityRank}. */
  maxQuality?: string;
  /** `WIDTHxHEIGHT`: no image with more pixels than this. */
  maxSize?: string;
}

export interface GuildPolicy {
  /** Channels the bot may be used in; empty is everywhere. */
  channels: readonly string[];
  /** Words, or `/regex/` patterns, that no prompt may contain. */
  blocked: readonly string[];
  limits: RequestLimits;
  moderation: ModerationPolicy;
  /** The least time between one member's jobs; 0 is none. */
  cooldownSeconds: number;
  /** Where each job is reported when it ends; null is nowhere. */
  auditChannel: string | null;
}

export type PolicySetting = 'channels' | 'blocked' | 'limits' | 'moderation' | 'cooldown' | 'audit';
export const policySettings: readonly PolicySetting[] = [
  'channels',
  'blocked',
  'limits',
  'moderation',
  'cooldown',
  'audit',
];

/** Who last changed a setting, and when (ISO 8601); a setting without one is still the default. */
export interface SettingOrigin {
  byUserId: string;
  at: string;
}

export interface StoredPolicy {
  policy: GuildPolicy;
  origins: Partial<Record<PolicySetting, SettingOrigin>>;
}

export const defaultPolicy: GuildPolicy = {
  channels: [],
  blocked: [],
  limits: {},
  moderation: 'auto',
  cooldownSeconds: 0,
  auditChannel: null,
};

/**
 * Where policies live. `update` applies `change` to the current policy and records its origin;
 * two admins changing the same guild at the same instant may race, the later write winning.
 */
export interface PolicyStore {
  read(guildId: string): Promise<StoredPolicy>;
  update(
    guildId: string,
    setting: PolicySetting,
    change: (current: GuildPolicy) => GuildPolicy,
    origin: SettingOrigin,
  ): Promise<StoredPolicy>;
  /** When this member's last job was accepted (epoch ms), within the cooldown that applies. */
  lastJobAt(guildId: string, userId: string): Promise<number | undefined>;
  /** Remembers an accepted job for the cooldown; forgotten after `ttlMs`. */
  markJob(guildId: string, userId: string, at: number, ttlMs: number): Promise<void>;
}

/** What `/imagine-settings` reaches through the service. */
export interface PolicyAdmin {
  read(guildId: string): Promise<StoredPolicy>;
  update(
    guildId: string,
    setting: PolicySetting,
    change: (current: GuildPolicy) => GuildPolicy,
    byUserId: string,
  ): Promise<StoredPolicy>;
}
