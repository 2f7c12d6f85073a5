/**
 * Logging through pino, with every known secret scrubbed from every line. Redaction by value, not
 * by field path: a key can hide inside an error message or a URL, where path rules never look.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** @default 'info' */
  level?: string;
  /** Values to replace with `[redacted]` wherever they appear. @default [] */
  secrets?: readonly string[];
  /** Where lines go. @default standard output */
  destination?: DestinationStream;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Returns a function that replaces each secret in a string; identity when there are none. */
export const secretScrubber = (secrets: readonly string[]): ((text: string) => string) => {
  // Lines are JSON, so a secret with quotes or backslashes appears escaped: match both spellings.
  const spellings = secrets.flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]);
  const usable = [...new Set(spellings)].filter((secret) => secret.length >= 4);
  if (usable.length === 0) return (text) => text;
  // Longest first, so a secret that contains another is replaced whole.
  const pattern = new RegExp(
    usable
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  return (text) => text.replace(pattern, '[redacted]');
};

export const createLogger = (options: LoggerOptions = {}): Logger => {
  const scrub = secretScrubber(options.secrets ?? []);
  const scrubbingStream: DestinationStream = {
    write: (line: string) => {
      (options.destination ?? process.stdout).write(scrub(line));
    },
  };
  return pino({ level: options.level ?? 'info', base: undefined }, scrubbingStream);
};
