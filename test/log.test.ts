import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, secretScrubber } from '#core/log.js';

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
