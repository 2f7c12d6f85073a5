/**
 * What a bot process left behind on the fake Discord and in its store: the message an interaction
 * shows, the results made for a prompt, and the images each member was charged.
 */
import { expect } from 'vitest';
import { createQuotas } from '#core/quota/quota-service.js';
import { openStore } from '#store/open-store.js';
import { parseConfig } from '../../src/config.js';
import type { FakeDiscord, FakeInteraction, FakeMessage } from '../fakes/discord/index.js';
import type { FakeImagesApi } from '../fakes/images-api.js';

/** The interaction's reply, as it stands now. */
export const shownOn = (discord: FakeDiscord, interactionId: string): FakeMessage | undefined => {
  const messageId = discord.world.interactions.get(interactionId)?.originalMessageId;
  return messageId === undefined ? undefined : discord.world.messages.get(messageId);
};

/** Waits until the interaction's reply carries images, and returns it. */
export const resultOf = (
  discord: FakeDiscord,
  interaction: FakeInteraction,
  what: string,
  timeoutMs = 20_000,
): Promise<FakeMessage> =>
  discord.world.until(
    () => {
      const message = shownOn(discord, interaction.id);
      return message !== undefined && message.attachments.length > 0 && message;
    },
    what,
    timeoutMs,
  );

/** Every message with images whose caption quotes `prompt`: one per job delivered once. */
export const resultsFor = (discord: FakeDiscord, prompt: string): FakeMessage[] =>
  [...discord.world.messages.values()].filter(
    (message) => message.attachments.length > 0 && message.embeds[0]?.description === prompt,
  );

/**
 * Waits for the interaction's result and checks it shows the images upstream made for `prompt` in
 * the request answered last (a request cut off by a killed process is asked again), and that no
 * other message shows that prompt's images.
 */
export const expectDeliveredOnce = async (
  discord: FakeDiscord,
  api: FakeImagesApi,
  interaction: FakeInteraction,
  prompt: string,
  timeoutMs = 20_000,
): Promise<FakeMessage> => {
  const shown = await resultOf(discord, interaction, `the images of "${prompt}"`, timeoutMs);
  const answered = api.requests.filter((request) => request.body?.prompt === prompt);
  expect(shown.attachments.map((attachment) => attachment.bytes)).toEqual(answered.at(-1)?.images);
  expect(resultsFor(discord, prompt), prompt).toHaveLength(1);
  return shown;
};

/**
 * Opens the store of the bot started with `variables` (STORE_URL, STORE_NAMESPACE, its quota
 * settings) as another process would, and reads the images each member of `guildId` used.
 */
export const imagesUsed = async (
  variables: Record<string, string>,
  members: ReadonlyArray<{ guildId: string; userId: string }>,
): Promise<number[]> => {
  const config = parseConfig(variables);
  const store = await openStore(config.storeUrl, { namespace: config.storeNamespace });
  try {
    const quotas = createQuotas({ ledger: store.ledger, defaults: config.quota });
    return await Promise.all(
      members.map(
        async ({ guildId, userId }) => (await quotas.standing(guildId, userId)).user.used,
      ),
    );
  } finally {
    await store.close();
  }
};
