/**
 * Platform-neutral command definitions and the context each adapter builds to run them, so a
 * command's logic is written once and Discord and Slack only translate in and out.
 */
import type { ModelCatalogue } from '#core/models.js';
import type { DeliveryAddress, Requester } from '#core/request.js';
import type { GenerationService } from '#core/service-api.js';
import type { Messages } from './messages.js';

export interface Localised {
  en: string;
  ko: string;
}

export interface OptionDefinition {
  /** Lowercase, as Discord requires; also the Slack flag (`--name`). */
  name: string;
  /** Korean name for Discord's `name_localizations`. */
  nameKo: string;
  type: 'string' | 'integer' | 'user';
  description: Localised;
  /** @default false */
  required?: boolean;
  /** Fixed choices, drawn from the model catalogue where they depend on it. */
  choices?: (catalogue: ModelCatalogue) => readonly string[];
  min?: number;
  max?: number;
  /**
   * Discord's ceiling on a string option, registered and checked there. Text commands leave the
   * length to the core, which knows each model's own limit.
   */
  maxLength?: number;
  /**
   * In a text command, a positional option is taken from the words before the trailing flags, in
   * definition order; the last positional string option takes the rest of the text (a prompt with
   * spaces).
   * @default false
   */
  positional?: boolean;
}

export interface SubcommandDefinition {
  name: string;
  nameKo: string;
  description: Localised;
  options: readonly OptionDefinition[];
}

export interface CommandDefinition {
  name: string;
  nameKo: string;
  description: Localised;
  options?: readonly OptionDefinition[];
  subcommands?: readonly SubcommandDefinition[];
  /** Shown only to guild managers (Discord's Manage Server) and checked again when it runs. @default false */
  adminOnly?: boolean;
  /** Whether the platform should answer privately from the start (quota views). @default false */
  ephemeral?: boolean;
  execute(context: CommandContext): Promise<void>;
}

export type OptionValue = string | number;

export interface ParsedOptions {
  subcommand?: string;
  values: Readonly<Record<string, OptionValue | undefined>>;
}

export interface CommandContext {
  service: GenerationService;
  requester: Requester;
  options: ParsedOptions;
  /** Where a job started by this command delivers its results. */
  delivery: DeliveryAddress;
  messages: Messages;
  /** A reference to a user in this platform's markup. */
  mention(userId: string): string;
  reply(text: string, options?: ReplyOptions): Promise<void>;
}

/** A file sent with a reply (a chart). */
export interface ReplyFile {
  name: string;
  bytes: Buffer;
}

export interface ReplyOptions {
  ephemeral?: boolean;
  /** Attached to the reply on Discord; on Slack, uploaded with the text to the user's direct messages. */
  files?: readonly ReplyFile[];
}

/** The options of the chosen subcommand, or the command's own. */
export const optionsOf = (
  command: CommandDefinition,
  subcommand: string | undefined,
): readonly OptionDefinition[] =>
  subcommand === undefined
    ? (command.options ?? [])
    : (command.subcommands?.find((candidate) => candidate.name === subcommand)?.options ?? []);
