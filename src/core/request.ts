/**
 * Plain, serialisable data describing a generation: what was asked, who asked, where the answer goes.
 * Nothing here holds a live object, so a job can cross a process boundary (a distributed queue) as JSON.
 */

/**
 * The chat platform a request came from, as its adapter names it. Open, so a new platform adds an
 * adapter and a reporter without touching the core.
 */
export type Platform = string;
export type Locale = 'en' | 'ko';

/** Options as a user typed them: every field optional and unchecked. */
export interface ImageOptionsInput {
  prompt?: string;
  model?: string;
  size?: string;
  quality?: string;
  count?: number | string;
  background?: string;
  style?: string;
  moderation?: string;
  outputFormat?: string;
}

/** A request that passed validation against its model's rules; only options the model accepts are set. */
export interface ImageRequest {
  prompt: string;
  model: string;
  size: string;
  count: number;
  quality?: string;
  background?: string;
  style?: string;
  moderation?: string;
  outputFormat?: string;
}

export interface Requester {
  platform: Platform;
  /** The server or workspace, as its platform names it: the unit quotas and fairness are counted in. */
  guildId: string;
  userId: string;
  channelId: string;
  locale: Locale;
  /** Whether the platform says this user administers the guild (Manage Server / workspace admin). */
  isAdmin?: boolean;
  /**
   * Whether the channel is age-restricted (Discord's NSFW flag); undefined on a platform without
   * such channels.
   */
  ageRestricted?: boolean;
  /** The member's role ids, as the platform sent them with the command (Discord). */
  roleIds?: readonly string[];
}

/**
 * Where results go, as the adapter that took the command understands it (an interaction token, a
 * channel id, a message to reply to). The core never reads inside it; it hands it back to the
 * platform's delivery port.
 */
export type DeliveryAddress = Readonly<Record<string, string | number | boolean | null>>;
