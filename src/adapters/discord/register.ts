/**
 * Puts the command definitions on Discord, in one guild (quick to update while developing) or
 * globally, only when they differ from what is registered: a bulk overwrite Discord has to
 * propagate is not sent for nothing. Never called at start; `npm run register` runs it.
 */
import { Routes, type REST } from 'discord.js';
import type { ModelCatalogue } from '#core/models.js';
import type {
  CommandDefinition,
  MessageActionDefinition,
} from '#adapters/shared/command-context.js';
import { commandJson, messageCommandJson, sameCommands } from './command-json.js';

export interface RegisterOptions {
  rest: REST;
  /** @default the application of the bot token (`GET /applications/@me`) */
  applicationId?: string;
  /** Registers in this guild only when set. @default undefined (global registration) */
  guildId?: string;
  commands: readonly CommandDefinition[];
  /** Message context-menu commands (`Edit image`). @default none */
  messageActions?: readonly MessageActionDefinition[];
  catalogue: ModelCatalogue;
}

export interface RegisterOutcome {
  action: 'unchanged' | 'updated';
  scope: string;
  names: string[];
}

export const registerCommands = async (options: RegisterOptions): Promise<RegisterOutcome> => {
  const applicationId =
    options.applicationId ??
    ((await options.rest.get(Routes.currentApplication())) as { id: string }).id;
  const route = options.guildId
    ? Routes.applicationGuildCommands(applicationId, options.guildId)
    : Routes.applicationCommands(applicationId);
  const desired = [
    ...options.commands.map((definition) => commandJson(definition, options.catalogue)),
    ...(options.messageActions ?? []).map(messageCommandJson),
  ];
  const registered = (await options.rest.get(route)) as Array<Record<string, unknown>>;
  const outcome = {
    scope: options.guildId ? `guild ${options.guildId}` : 'global',
    names: [
      ...options.commands.map((command) => `/${command.name}`),
      ...(options.messageActions ?? []).map((action) => action.name.en),
    ],
  };
  if (sameCommands(desired, registered)) return { action: 'unchanged', ...outcome };
  await options.rest.put(route, { body: desired });
  return { action: 'updated', ...outcome };
};
