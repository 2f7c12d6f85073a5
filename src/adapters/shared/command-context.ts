/**
 * Platform-neutral command definitions and the context each adapter builds to run them, so a
 * command's logic is written once and Discord and Slack only translate in and out.
 */
import type { ImageInputRef } from '#core/inputs.js';
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
  /** `attachment`: a file the user uploads with the command, where the platform has such options. */
  type: 'string' | 'integer' | 'user' | 'channel' | 'role' | 'attachment';
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

/** Subcommands under a shared first word (`/imagine-settings channels allow`). */
export interface SubcommandGroupDefinition {
  name: string;
  nameKo: string;
  description: Localised;
  subcommands: readonly SubcommandDefinition[];
}

export interface CommandDefinition {
  name: string;
  nameKo: string;
  description: Localised;
  options?: readonly OptionDefinition[];
  subcommands?: readonly SubcommandDefinition[];
  /** Alongside `subcommands`, never with `options`. */
  groups?: readonly SubcommandGroupDefinition[];
  /** Shown only to guild managers (Discord's Manage Server) and checked again when it runs. @default false */
  adminOnly?: boolean;
  /** Whether the platform should answer privately from the start (quota views). @default false */
  ephemeral?: boolean;
  execute(context: CommandContext): Promise<void>;
}

/**
 * A command run on a message (Discord's message context menu, Slack's message shortcut). What it
 * does is the shared `Edit image` flow (see `prompt-form.ts`); this is its declaration.
 */
export interface MessageActionDefinition {
  target: 'message';
  /** Stable id: the Slack shortcut's `callback_id`. */
  id: string;
  /** Discord's menu entry (spaces and capitals allowed, 32 characters at most). */
  name: Localised;
  /** Slack's shortcut, as the manifest declares it. */
  slack: { name: string; description: string };
}

export type OptionValue = string | number | ImageInputRef;

export interface ParsedOptions {
  /** The group the subcommand belongs to, when it is in one. */
  group?: string;
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

/** Options a text command can carry: files come another way (a message shortcut). */
export const isTextual = (option: OptionDefinition): boolean => option.type !== 'attachment';

/** The subcommands at the top level, or in the named group. */
export const subcommandsOf = (
  command: CommandDefinition,
  group: string | undefined,
): readonly SubcommandDefinition[] =>
  group === undefined
    ? (command.subcommands ?? [])
    : (command.groups?.find((candidate) => candidate.name === group)?.subcommands ?? []);

/** The options of the chosen subcommand (in its group, if any), or the command's own. */
export const optionsOf = (
  command: CommandDefinition,
  subcommand: string | undefined,
  group?: string,
): readonly OptionDefinition[] =>
  subcommand === undefined
    ? (command.options ?? [])
    : (subcommandsOf(command, group).find((candidate) => candidate.name === subcommand)?.options ??
      []);

/** Parsed options as both platforms return them: group and subcommand only when chosen. */
export const parsedOptions = (
  group: string | undefined,
  subcommand: string | undefined,
  values: Readonly<Record<string, OptionValue | undefined>>,
): ParsedOptions => ({
  ...(group !== undefined && { group }),
  ...(subcommand !== undefined && { subcommand }),
  values,
});
