import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { discordRedactions } from '#adapters/discord/log.js';
import { slackRedactions } from '#adapters/slack/bolt-logger.js';
import { createLogger, redactBearerUrls, secretScrubber } from '#core/log.js';

const capture = () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
};

describe('logger', () => {
  it('scrubs every secret wherever it appears: message, fields, error messages and stacks', () => {
    const { lines, destination } = capture();
    const logger = createLogger({
      secrets: ['sk-live-abcdef123456', 'xoxb-9999-secret'],
      destination,
    });
    const error = new Error('request to https://api?key=sk-live-abcdef123456 failed');
    logger.error(
      { err: error, header: 'Bearer sk-live-abcdef123456', nested: { token: 'xoxb-9999-secret' } },
      'call with xoxb-9999-secret',
    );
    const output = lines.join('');
    expect(output).toContain('[redacted]');
    expect(output).not.toContain('sk-live-abcdef123456');
    expect(output).not.toContain('xoxb-9999-secret');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: 'call with [redacted]',
      header: 'Bearer [redacted]',
    });
  });

  it('replaces a secret that contains another as a whole', () => {
    expect(secretScrubber(['abcd', 'abcdefgh'])('x abcdefgh y')).toBe('x [redacted] y');
  });

  it('ignores values too short to be secrets rather than mangling ordinary text', () => {
    expect(secretScrubber(['', 'ab'])('tab and cab')).toBe('tab and cab');
  });
});

describe('logger with unusual secrets', () => {
  it('scrubs a secret that JSON escapes', () => {
    const { lines, destination } = capture();
    createLogger({ secrets: ['pa"ss\\word'], destination }).info({ value: 'pa"ss\\word' }, 'x');
    expect(lines.join('')).not.toContain('ss\\\\word');
    expect(JSON.parse(lines[0]!).value).toBe('[redacted]');
  });
});

describe('bearer-like URLs in logs', () => {
  it('cuts the credential out of every kind at every level, however deeply escaped', () => {
    const { lines, destination } = capture();
    const logger = createLogger({
      level: 'trace',
      destination,
      redactions: [...discordRedactions, ...slackRedactions],
    });
    const payload = JSON.stringify({
      command: '/imagine',
      response_url: 'https://hooks.slack.com/commands/T0001/1234/s3cr3tPath',
    });
    const urls = [
      'wss://wss-primary.slack.com/link/?ticket=0a1b2c3d-ticket&app_id=A1',
      'https://discord.com/api/v10/webhooks/111/aW50ZXJhY3Rpb246token/messages/@original',
      'https://discord.com/api/v10/interactions/222/aW50ZXJhY3Rpb246other/callback',
      'https://bucket.s3.amazonaws.com/x.png?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=deadbeef',
      'https://hooks.slack.com/services/T0/B0/webhookSecret',
    ];
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const)
      logger[level](
        { body: payload, nested: { url: urls[0] } },
        `received ${payload} ${urls.join(' ')}`,
      );
    const output = lines.join('');
    expect(lines).toHaveLength(6);
    for (const secret of [
      's3cr3tPath',
      '0a1b2c3d-ticket',
      'aW50ZXJhY3Rpb246token',
      'aW50ZXJhY3Rpb246other',
      'AKIAEXAMPLE',
      'deadbeef',
      'webhookSecret',
    ])
      expect(output).not.toContain(secret);
    expect(output).toContain('ticket=[redacted]&app_id=A1');
    expect(output).toContain('/webhooks/111/[redacted]/messages/@original');
  });

  it('leaves ordinary text alone', () => {
    const text = 'a key lime pie on a table, tokens of love --count 2';
    expect(redactBearerUrls(text, [...discordRedactions, ...slackRedactions])).toBe(text);
  });
});
