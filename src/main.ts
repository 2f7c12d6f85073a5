/**
 * `npm start`: reads the configuration, then starts every chat platform whose token is set.
 * Configuration problems end the process before anything connects, with every bad variable named.
 */
import { ConfigError, loadConfig, secretValues, type Config } from './config.js';
import { secretScrubber } from '#core/log.js';

const platformHelp = [
  'No chat platform is configured. Set, in .env or the environment:',
  '  Discord: DISCORD_TOKEN (and DISCORD_APPLICATION_ID for `npm run register`)',
  '  Slack:   SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)',
  'See .env.example for every variable.',
].join('\n');

const readConfig = (): Config => {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${error.message}\nSee .env.example for what each variable takes.`);
    process.exit(2);
  }
};

const config = readConfig();
if (config.discord === undefined && config.slack === undefined) {
  console.error(platformHelp);
  // A configuration error like any other: a supervisor must not restart it until someone fixes it.
  process.exit(2);
}
const { startBot } = await import('./bot.js');
try {
  await startBot(config);
} catch (error) {
  // A failure to start (store unreachable, token refused) is the operator's to fix: say what
  // failed in one line, without a stack and without any secret the message might carry.
  const scrub = secretScrubber(secretValues(config));
  console.error(
    `imagine-bot could not start: ${scrub(error instanceof Error ? error.message : String(error))}`,
  );
  process.exit(1);
}
