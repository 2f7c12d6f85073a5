/**
 * The Discord adapter's entry point. It is built in two steps because the service and the
 * reporter need each other: first the reporter (the service is constructed with it), then, with
 * the service, the gateway client that takes commands and 🔁 reactions.
 *
 *   const discord = createDiscordAdapter({ config: config.discord, logger });
 *   const service = createGenerationService({ …, reporters: { discord: discord.reporter } });
 *   const running = await discord.start(service);
 *   …
 *   await running.stop();
 */
import { Client, Events, GatewayIntentBits, Partials } from 'discord.js';
import type { Config } from '../../config.js';
import { CodedError } from '#core/errors.js';
import type { Logger } from '#core/log.js';
import type { GenerationService } from '#core/service-api.js';
import type { CommandDefinition } from '#adapters/shared/command-context.js';
import { RecentOnce } from '#adapters/shared/recent-once.js';
import { loadCommands } from '#commands/registry.js';
import { AcknowledgementsFirst } from './acknowledgements.js';
import { commandHandler } from './commands.js';
import { discordLogger } from './log.js';
import { regenerateListener } from './regenerate.js';
import { DiscordReporter } from './reporter.js';
import { noPings } from './text.js';

export type DiscordConfig = NonNullable<Config['discord']>;

/** Slash commands need no intent; reactions need GuildMessageReactions. Nothing privileged. */
const discordIntents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions];

/** Without these, a reaction on a message from before a restart (not in the cache) is dropped. */
const discordPartials = [Partials.Message, Partials.Reaction];

export interface DiscordAdapterOptions {
  /** DISCORD_TOKEN and DISCORD_API_BASE_URL (the gateway address comes from the REST API). */
  config: Pick<DiscordConfig, 'token' | 'apiBaseUrl'>;
  logger: Logger;
  /** Repeated 🔁 from one user on one message within this window count once. @default 5000 */
  regenerateDedupeMs?: number;
  /** The least time between two progress edits of one job's message. @default 1000 */
  minEditIntervalMs?: number;
  /**
   * The longest a command's work (and a 🔁's) waits while other commands' acknowledgements are on
   * their way, so a burst is acknowledged before it is processed. @default 1000
   */
  maxWorkDelayMs?: number;
  /** @default the definitions in `commands/` */
  commands?: readonly CommandDefinition[];
}

export interface RunningDiscordAdapter {
  client: Client<true>;
  stop(): Promise<void>;
}

export interface DiscordAdapter {
  reporter: DiscordReporter;
  /** Logs in to the gateway and resolves once the client is ready. */
  start(service: GenerationService): Promise<RunningDiscordAdapter>;
}

const checkOptions = (options: DiscordAdapterOptions): void => {
  if (!options.config?.token)
    throw new CodedError('discord.invalidOption', 'config.token is required (DISCORD_TOKEN)');
  if (!options.config.apiBaseUrl)
    throw new CodedError(
      'discord.invalidOption',
      'config.apiBaseUrl is required (DISCORD_API_BASE_URL)',
    );
};

export const createDiscordAdapter = (options: DiscordAdapterOptions): DiscordAdapter => {
  checkOptions(options);
  const acknowledgements = new AcknowledgementsFirst(options.maxWorkDelayMs ?? 1000);
  const logger = discordLogger(options.logger, 'discord');
  let service: GenerationService | undefined;
  const reporter = new DiscordReporter({
    token: options.config.token,
    apiBaseUrl: options.config.apiBaseUrl,
    logger: options.logger,
    ...(options.minEditIntervalMs !== undefined && {
      minEditIntervalMs: options.minEditIntervalMs,
    }),
    results: () => {
      if (!service)
        throw new CodedError('discord.notStarted', 'the Discord adapter is not started');
      return service;
    },
  });

  const start = async (running: GenerationService): Promise<RunningDiscordAdapter> => {
    service = running;
    const commands = options.commands ?? (await loadCommands());
    const client = new Client({
      intents: discordIntents,
      partials: discordPartials,
      rest: { api: options.config.apiBaseUrl },
      // Belt and braces: every send also sets this explicitly.
      allowedMentions: noPings,
    });
    const onCommand = commandHandler({ service: running, commands, logger, acknowledgements });
    const onReaction = regenerateListener({
      service: running,
      logger,
      recent: new RecentOnce(options.regenerateDedupeMs ?? 5000),
    });
    client.on(Events.InteractionCreate, (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      onCommand(interaction).catch((error: unknown) =>
        logger.error({ err: error, interactionId: interaction.id }, 'command handling failed'),
      );
    });
    client.on(Events.MessageReactionAdd, (reaction, user) => {
      const react = async () => {
        await acknowledgements.settled();
        await onReaction(reaction, user);
      };
      react().catch((error: unknown) => logger.error({ err: error }, 'regenerate reaction failed'));
    });
    client.on(Events.Error, (error) => logger.error({ err: error }, 'Discord client error'));

    const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
    await client.login(options.config.token);
    const readyClient = await ready;
    logger.info(
      { user: readyClient.user.tag, guilds: readyClient.guilds.cache.size },
      'Discord adapter ready',
    );
    return {
      client: readyClient,
      stop: async () => {
        await client.destroy();
      },
    };
  };

  return { reporter, start };
};
