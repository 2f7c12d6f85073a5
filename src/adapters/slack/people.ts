/**
 * Who a Slack user is to the bot: their language and whether they administer the workspace.
 * Slack only says so through `users.info`, so answers are cached briefly: a burst of commands from
 * one person costs one call, and a promotion or demotion still shows within minutes.
 */
import type { webApi } from '@slack/bolt';
import { Keyv } from 'keyv';
import type { Logger } from '#core/log.js';
import type { Locale } from '#core/request.js';
import { localeFrom } from '#adapters/shared/messages.js';

export interface SlackPerson {
  locale: Locale;
  /** Workspace admin or owner, or named in SLACK_ADMIN_USER_IDS. */
  isAdmin: boolean;
}

/** Reads `users.info`'s answer. Pure. */
export const personFromUserInfo = (
  user: { is_admin?: boolean; is_owner?: boolean; is_primary_owner?: boolean; locale?: string },
  namedAdmin: boolean,
): SlackPerson => ({
  locale: localeFrom(user.locale),
  isAdmin:
    namedAdmin ||
    user.is_admin === true ||
    user.is_owner === true ||
    user.is_primary_owner === true,
});

export class SlackPeople {
  readonly #cache: Keyv<SlackPerson>;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly adminUserIds: readonly string[],
    private readonly logger: Logger,
    cacheMs: number,
  ) {
    this.#cache = new Keyv<SlackPerson>({ ttl: cacheMs });
  }

  async lookUp(userId: string): Promise<SlackPerson> {
    const cached = await this.#cache.get(userId);
    if (cached !== undefined) return cached;
    const namedAdmin = this.adminUserIds.includes(userId);
    try {
      const answer = await this.client.users.info({ user: userId, include_locale: true });
      const person = personFromUserInfo(answer.user ?? {}, namedAdmin);
      await this.#cache.set(userId, person);
      return person;
    } catch (error) {
      // Without users.info the command still runs, in English, and admin rights only for the
      // operator's named admins: failing closed is the safe side of a permission check.
      this.logger.warn({ err: error, userId }, 'users.info failed; using defaults for this user');
      return { locale: 'en', isAdmin: namedAdmin };
    }
  }
}
