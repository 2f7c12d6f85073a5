/**
 * Logging through pino, with every known secret scrubbed from every line, and every bearer-like URL
 * (a response or webhook URL, a ticket, a signed download; platforms add their own shapes) cut down to what is safe to
 * show. Redaction of the written text, not by field path: a secret can hide inside an error message,
 * a URL or a payload a library logs as one string, where path rules never look.
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
  /** Bearer-like URL shapes of a platform's own, beyond the generic ones. @default [] */
  redactions?: readonly RedactionRule[];
}

/** A pattern (global) and what each match becomes, as for `String.prototype.replace`. */
export type RedactionRule = readonly [RegExp, string];

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

/** Quotes as they appear inside a JSON string inside a JSON line: `"`, `\"`, `\\\"`. */
const quote = String.raw`(?:\\*")?`;
/** Where a URL or a value ends, at any depth of JSON escaping. */
const valueChars = String.raw`[^\s"'\\&,}<>]+`;

/** Query parameters that carry a credential: whoever holds the URL holds the access. */
const secretParameters = [
  'ticket',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'sig',
  'signature',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'x-goog-signature',
  'x-goog-credential',
  'key',
  'api_key',
  'apikey',
  'code',
  'secret',
  'client_secret',
  'password',
  'auth',
];

const bearerUrlRules: readonly RedactionRule[] = [
  // A response or webhook URL, whatever its host, when a field names it.
  [
    new RegExp(
      String.raw`((?:response_?url|webhook_?url)${quote}\s*[:=]\s*${quote})${valueChars}`,
      'gi',
    ),
    '$1[redacted]',
  ],
  [
    new RegExp(String.raw`([?&](?:${secretParameters.join('|')})=)${valueChars}`, 'gi'),
    '$1[redacted]',
  ],
];

/** Where a URL or a value ends, for the platforms' own rules. */
export const urlValueChars = valueChars;

/** Cuts the credential out of every bearer-like URL in a text, generic and `extra` shapes. Pure. */
export const redactBearerUrls = (text: string, extra: readonly RedactionRule[] = []): string =>
  [...bearerUrlRules, ...extra].reduce(
    (redacted, [pattern, replacement]) => redacted.replace(pattern, replacement),
    text,
  );

export const createLogger = (options: LoggerOptions = {}): Logger => {
  const scrub = secretScrubber(options.secrets ?? []);
  const scrubbingStream: DestinationStream = {
    write: (line: string) => {
      (options.destination ?? process.stdout).write(
        scrub(redactBearerUrls(line, options.redactions)),
      );
    },
  };
  return pino({ level: options.level ?? 'info', base: undefined }, scrubbingStream);
};
