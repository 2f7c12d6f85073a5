/**
 * Where a Discord job's progress and results go, as plain data inside the job (so any process with
 * the bot token can deliver): the interaction's webhook while its token lives, else the channel.
 */
import { z } from 'zod';
import { CodedError } from '#core/errors.js';
import type { DeliveryAddress } from '#core/request.js';

/** Discord's upload limit when an interaction does not report one (per message, in bytes). */
export const defaultUploadLimit = 10 * 1024 * 1024;

/** An interaction token lives 15 minutes; stop using it a little before, to leave room for the upload. */
const interactionTokenLifetimeMs = 15 * 60 * 1000;
const tokenSafetyMarginMs = 30 * 1000;

const schema = z.object({
  applicationId: z.string().min(1),
  channelId: z.string().min(1),
  /** The interaction's token, or null when there is no interaction (a 🔁 regenerate). */
  interactionToken: z.string().min(1).nullable(),
  /** Epoch ms after which the token is not used and results go to the channel. */
  tokenExpiresAt: z.number().nullable(),
  /** The message results reply to, when there is no interaction to answer. */
  replyTo: z.string().min(1).nullable(),
  uploadLimit: z.number().int().positive(),
});

export type DiscordDelivery = z.infer<typeof schema>;

export const interactionDelivery = (interaction: {
  applicationId: string;
  channelId: string;
  token: string;
  createdTimestamp: number;
  attachmentSizeLimit?: number | null;
}): DiscordDelivery => ({
  applicationId: interaction.applicationId,
  channelId: interaction.channelId,
  interactionToken: interaction.token,
  tokenExpiresAt: interaction.createdTimestamp + interactionTokenLifetimeMs - tokenSafetyMarginMs,
  replyTo: null,
  uploadLimit: interaction.attachmentSizeLimit || defaultUploadLimit,
});

export const replyDelivery = (fields: {
  applicationId: string;
  channelId: string;
  replyTo: string;
}): DiscordDelivery => ({
  ...fields,
  interactionToken: null,
  tokenExpiresAt: null,
  uploadLimit: defaultUploadLimit,
});

export const toAddress = (delivery: DiscordDelivery): DeliveryAddress => ({ ...delivery });

/** Reads an address back, refusing one this adapter did not write. */
export const readDiscordDelivery = (address: DeliveryAddress): DiscordDelivery => {
  const parsed = schema.safeParse(address);
  if (!parsed.success)
    throw new CodedError(
      'discord.badDelivery',
      `job delivery address is not a Discord address: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`,
    );
  return parsed.data;
};
