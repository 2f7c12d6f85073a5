/**
 * Slack's side of HTTP mode: requests to the app's endpoint signed with the signing secret,
 * `x-slack-signature: v0=HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)`. Slash commands
 * arrive form-encoded, events as JSON.
 */
import { createHmac } from 'node:crypto';

/** The `x-slack-signature` header for a body sent at `timestampSeconds`. Pure. */
export const slackSignature = (secret: string, timestampSeconds: number, body: string): string =>
  `v0=${createHmac('sha256', secret).update(`v0:${timestampSeconds}:${body}`).digest('hex')}`;

export interface SignedPostOptions {
  signingSecret: string;
  /** Seconds since the epoch the request claims; an old one tests replay protection. @default now */
  timestampSeconds?: number;
  /** Sent instead of the correct signature, to test that forgeries are refused. */
  signatureOverride?: string;
  /** Slack gives up on a command after 3 seconds. @default 3000 */
  timeoutMs?: number;
  /** Marks the post as Slack's retry number N of an event (`x-slack-retry-num`). */
  retryNumber?: number;
}

export interface HttpAck {
  status: number;
  /** The response body: a command's immediate reply when the app acked with one. */
  body: string;
}

export type SignedBody =
  { kind: 'form'; fields: Record<string, string> } | { kind: 'json'; value: unknown };

const encode = (body: SignedBody): { text: string; contentType: string } =>
  body.kind === 'form'
    ? {
        text: new URLSearchParams(body.fields).toString(),
        contentType: 'application/x-www-form-urlencoded',
      }
    : { text: JSON.stringify(body.value), contentType: 'application/json' };

/** Posts a body to the app as Slack would, signed, and returns the app's HTTP answer. */
export const postSigned = async (
  url: string,
  body: SignedBody,
  options: SignedPostOptions,
): Promise<HttpAck> => {
  const { text, contentType } = encode(body);
  const timestamp = options.timestampSeconds ?? Math.floor(Date.now() / 1000);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature':
        options.signatureOverride ?? slackSignature(options.signingSecret, timestamp, text),
      ...(options.retryNumber !== undefined && {
        'x-slack-retry-num': String(options.retryNumber),
        'x-slack-retry-reason': 'http_timeout',
      }),
    },
    body: text,
    signal: AbortSignal.timeout(options.timeoutMs ?? 3_000),
  });
  return { status: response.status, body: await response.text() };
};
