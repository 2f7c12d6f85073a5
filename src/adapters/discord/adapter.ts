/**
 * The Discord gateway side: logs in, takes slash commands and 🔁 reactions, and hands them to the
 * shared flows. Results are delivered by {@link DiscordReporter} through REST alone, built apart
 * from this (it needs no gateway), so the service that needs the reporter exists before this starts.
 */
import { Client, Events, GatewayIntentBits, Partials, Status, type Interaction } from 'discord.js';
import type { Config } from '../../config.js';
import type { AdapterParts } from '#adapters/shared/adapter-parts.js';
import { openEditForm, submitPromptForm } from '#adapters/shared/prompt-form.js';
import { createResultReuser } from '#adapters/shared/reuse-result.js';
import { runCommand } from '#adapters/shared/run-command.js';
import { AcknowledgementsFirst } from './acknowledgements.js';
import { isAuditButton, onAuditButton } from './audit.js';
import { handleButton } from './buttons.js';
import { interactionInvocation } from './commands.js';
import { formPrefix, imagesOf, modalOpening, modalSubmission } from './forms.js';
import { discordLogger } from './log.js';
import { regenerateListener } from './regenerate.js';
import { noPings } from './text.js';

export type DiscordConfig = NonNullable<Config['discord']>;

/** Slash commands need no intent; reactions need GuildMessageReactions. Nothing privileged. */
const discordIntents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions];

/** Without these, a reaction on a message from before a restart (not in the cache) is dropped. */
const discordPartials = [Partials.Message, Partials.Reaction];

export interface DiscordAdapterOptions extends AdapterParts {
  /**
   * DISCORD_TOKEN, DISCORD_API_BASE_URL (the gateway address comes from the REST API), and the
   * shards this process runs.
   */
  config: Pick<DiscordConfig, 'token' | 'apiBaseUrl' | 'shardCount' | 'shardIds'>;
  /** Repeated 🔁 from one user on one message within this window count once. @default 5000 */
  regenerateDedupeMs?: number;
  /**
   * The longest a command's work (and a 🔁's) waits while other commands' acknowledgements are on
   * their way, so a burst is acknowledged before it is processed. @default 1000
   */
  maxWorkDelayMs?: number;
}

/** The shards this process runs: those named, else all of a set count, else Discord's advice. */
const shardsOf = ({ shardCount, shardIds }: Pick<DiscordConfig, 'shardCount' | 'shardIds'>) =>
  shardIds ?? (shardCount === undefined ? 'auto' : [...Array(shardCount).keys()]);

export interface RunningDiscordAdapter {
  client: Client<true>;
  /** Whether every gateway shard is connected and ready now. */
  connected(): boolean;
  stop(): Promise<void>;
}

/** Logs in to the gateway and resolves once the client is ready. */
export const startDiscordAdapter = async (
  options: DiscordAdapterOptions,
): Promise<RunningDiscordAdapter> => {
  const { config, service, commands } = options;
  const acknowledgements = new AcknowledgementsFirst(options.maxWorkDelayMs ?? 1000);
  const logger = discordLogger(options.logger, 'discord');
  const client = new Client({
    intents: discordIntents,
    partials: discordPartials,
    // discord.js identifies its shards no faster than session_start_limit.max_concurrency allows.
    shards: shardsOf(config),
    ...(config.shardCount !== undefined && { shardCount: config.shardCount }),
    rest: { api: config.apiBaseUrl },
    // Belt and braces: every send also sets this explicitly.
    allowedMentions: noPings,
  });
  const reuser = createResultReuser(options, options.regenerateDedupeMs ?? 5000, logger);
  const onReaction = regenerateListener(reuser);
  const handle = (interaction: Interaction): Promise<void> | undefined => {
    if (interaction.isChatInputCommand()) {
      const definition = commands.find((command) => command.name === interaction.commandName);
      const invocation = interactionInvocation(
        interaction,
        definition,
        acknowledgements,
        service.catalogue,
      );
      return runCommand(invocation, definition, { service, intake: options.intake, logger });
    }
    if (interaction.isMessageContextMenuCommand()) {
      const known = options.messageActions?.some(
        (action) => action.name.en === interaction.commandName,
      );
      if (!known) return undefined;
      // The modal must be the first answer, so it goes out before other work waits its turn.
      return openEditForm(modalOpening(interaction), imagesOf(interaction), reuser);
    }
    if (interaction.isButton())
      return isAuditButton(interaction.customId)
        ? onAuditButton(interaction, logger)
        : handleButton(interaction, reuser, acknowledgements);
    if (interaction.isModalSubmit() && interaction.customId.startsWith(formPrefix))
      return submitPromptForm(modalSubmission(interaction, acknowledgements), reuser);
    return undefined;
  };
  client.on(Events.InteractionCreate, (interaction) => {
    handle(interaction)?.catch((error: unknown) =>
      logger.error({ err: error, interactionId: interaction.id }, 'interaction handling failed'),
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
  await client.login(config.token);
  const readyClient = await ready;
  logger.info(
    { user: readyClient.user.tag, guilds: readyClient.guilds.cache.size },
    'Discord adapter ready',
  );
  return {
    client: readyClient,
    // The client as a whole stays "ready" once it was; each shard's status follows its socket.
    connected: () => client.ws.shards.every((shard) => shard.status === Status.Ready),
    stop: async () => {
      await client.destroy();
    },
  };
};
