/**
 * `npm run register`: puts the slash commands from `commands/` on Discord (in DISCORD_DEV_GUILD_ID
 * when set, else globally), only when they differ from what is registered, and says what it did.
 * The bot never registers at start: Discord rate-limits command updates and propagates global ones
 * slowly, so this is an operator's deliberate step after changing a definition.
 */
import { createRest } from '#adapters/discord/messenger.js';
import { registerCommands } from '#adapters/discord/register.js';
import { loadCommands, loadMessageActions } from '#commands/registry.js';
import { ModelCatalogue } from '#core/models.js';
import { ConfigError, loadConfig } from '../src/config.js';

const exitCodes = { badConfig: 2, failed: 3 } as const;

const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(exitCodes.badConfig);
  }
})();

if (config.discord === undefined) {
  console.error(
    'DISCORD_TOKEN is not set: set it (and DISCORD_APPLICATION_ID) to register commands.',
  );
  process.exit(exitCodes.badConfig);
}

try {
  const outcome = await registerCommands({
    rest: createRest({ token: config.discord.token, apiBaseUrl: config.discord.apiBaseUrl }),
    applicationId: config.discord.applicationId,
    guildId: config.discord.devGuildId,
    commands: await loadCommands(),
    messageActions: await loadMessageActions(),
    catalogue: new ModelCatalogue(config.images.extraModels),
  });
  const names = outcome.names.join(', ');
  console.log(
    outcome.action === 'updated'
      ? `Registered ${names} (${outcome.scope}).`
      : `Already registered, nothing sent: ${names} (${outcome.scope}).`,
  );
} catch (error) {
  console.error(
    `Registering the commands failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(exitCodes.failed);
}
