import { createHmac } from 'node:crypto';

/**
 * The `user` sent upstream for abuse monitoring: stable per person, so the provider can tell one
 * abuser from many users, yet keyed by a secret salt, so nobody holding the hash can test guesses
 * of platform ids against it. base64url keeps it short and safe in any header or JSON.
 */
export const hashUser = (salt: string, platform: string, userId: string): string =>
  createHmac('sha256', salt).update(`${platform}:${userId}`).digest('base64url');
