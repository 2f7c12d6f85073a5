/**
 * Bolt, the WebClient and the Socket Mode client log through this adapter into the bot's pino
 * logger, so their lines get the same secret scrubbing and level as everything else.
 */
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import { urlValueChars, type Logger, type RedactionRule } from '#core/log.js';

/** A Slack incoming-webhook or response URL is a bearer credential in its path. */
export const slackRedactions: readonly RedactionRule[] = [
  [
    new RegExp(String.raw`(https?://hooks\.slack(?:-gov)?\.com/)${urlValueChars}`, 'gi'),
    '$1[redacted]',
  ],
];

const boltLevels: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  // Bolt has no "silent"; ERROR is the quietest it knows, and pino still drops the lines.
  silent: LogLevel.ERROR,
};

const text = (parts: unknown[]): string =>
  parts.map((part) => (part instanceof Error ? part.message : String(part))).join(' ');

export const boltLogger = (logger: Logger): BoltLogger => {
  let current = logger.child({ component: 'slack' });
  return {
    debug: (...parts) => current.debug(text(parts)),
    info: (...parts) => current.info(text(parts)),
    warn: (...parts) => current.warn(text(parts)),
    error: (...parts) => current.error(text(parts)),
    // The bot's LOG_LEVEL rules; Bolt asking for another level is ignored on purpose.
    setLevel: () => {},
    getLevel: () => boltLevels[logger.level] ?? LogLevel.INFO,
    setName: (name) => {
      current = logger.child({ component: 'slack', name });
    },
  };
};
