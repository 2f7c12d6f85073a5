/**
 * What a job's Discord messages say: the status line while it waits or runs, and the caption of a
 * result. Pure, so tests check the wording and the length limits directly.
 */
import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
} from 'discord.js';
import type { Job } from '#core/jobs.js';
import type { QuotaStanding } from '#core/quota/types.js';
import type { DecodedImage } from '#core/images/types.js';
import { resultDetails, revisedPromptOf, statusPromptLength } from '#adapters/shared/job-text.js';
import type { Messages } from '#adapters/shared/messages.js';
import type { ActionButton } from '#adapters/shared/result-actions.js';
import type { OutgoingFile } from './attachments.js';
import type { MessageBody } from './messenger.js';
import { cut, discordLimits, mention } from './text.js';

const quoted = (prompt: string, max: number): string =>
  `> ${cut(prompt.replace(/\s+/g, ' ').trim(), max)}`;

/** Discord's limits: 5 buttons a row, 5 rows a message. */
const buttonsPerRow = 5;
const maxRows = 5;

/** Buttons as rows of Discord components (Delete and Cancel in red). */
export const buttonRows = (
  buttons: readonly ActionButton[],
): Array<APIActionRowComponent<APIButtonComponentWithCustomId>> =>
  Array.from(
    { length: Math.min(maxRows, Math.ceil(buttons.length / buttonsPerRow)) },
    (_, row) => ({
      type: ComponentType.ActionRow,
      components: buttons.slice(row * buttonsPerRow, (row + 1) * buttonsPerRow).map((button) => ({
        type: ComponentType.Button,
        style: button.danger ? ButtonStyle.Danger : ButtonStyle.Secondary,
        label: button.label,
        custom_id: button.id,
      })),
    }),
  );

/**
 * The message a job shows while queued or running, or when it ended without images; `buttons`
 * (Cancel while it waits) replace any it had.
 */
export const statusBody = (
  job: Job,
  line: string,
  files: readonly OutgoingFile[] = [],
  buttons: readonly ActionButton[] = [],
): MessageBody => ({
  content: cut(
    `${mention(job.requester.userId)} · ${line}\n${quoted(job.request.prompt, statusPromptLength)}`,
    discordLimits.content,
  ),
  embeds: [],
  files,
  components: buttonRows(buttons),
});

/**
 * One result message: who asked, the settings, the remaining quota, the prompt in full (cut to the
 * embed limit) and, below it, the prompt the model says it drew from.
 */
export const resultBody = (
  job: Job,
  result: { elapsedMs: number; quota: QuotaStanding; images: readonly DecodedImage[] },
  messages: Messages,
  files: readonly OutgoingFile[],
  part: { index: number; of: number },
  buttons: readonly ActionButton[],
): MessageBody => {
  const details = resultDetails(job, result.elapsedMs, messages, mention(job.requester.userId));
  const counter = part.of > 1 ? ` · ${part.index + 1}/${part.of}` : '';
  const description = cut(job.request.prompt, discordLimits.embedDescription);
  const revised = revisedPromptOf(result.images);
  const footerRoom = Math.min(
    discordLimits.embedFooter,
    discordLimits.embedTotal - [...description].length,
  );
  return {
    content: cut(
      `${details}${counter}\n${messages.remaining(result.quota)}`,
      discordLimits.content,
    ),
    embeds: [
      {
        description,
        ...(revised !== undefined && {
          footer: { text: cut(messages.revisedPrompt(revised), footerRoom) },
        }),
      },
    ],
    files,
    components: buttonRows(buttons),
  };
};
