/**
 * Prompt forms, the same way on every platform: the bot opens a form (a Discord modal, a Slack
 * view) whose id names a record in the store holding everything but the prompt, so the submission
 * works after a restart and in any process; what the user submits runs through the one submit path,
 * which checks quota for whoever submitted. Each platform supplies only its transport.
 */
import { randomUUID } from 'node:crypto';
import type { ImageInputRef } from '#core/inputs.js';
import type { Logger } from '#core/log.js';
import type { DeliveryAddress, Locale, Requester } from '#core/request.js';
import type { PendingForm, ResultArchive } from '#core/result-archive.js';
import type { GenerationService } from '#core/service-api.js';
import { describeError } from './describe-error.js';
import { messagesFor, type MessageFormat } from './messages.js';

/** What a form shows. */
export interface FormView {
  id: string;
  title: string;
  label: string;
  submit: string;
  /** The prompt filled in (a remix), or empty. */
  prompt: string;
}

/** A request to open a form, as a platform received it (a message command, a button). */
export interface FormOpening {
  format: MessageFormat;
  locale(): Promise<Locale>;
  /** Opens the form; must be the platform's first answer, within its 3 seconds. */
  open(view: FormView): Promise<void>;
  /** Tells the person who asked, privately. */
  tell(text: string): Promise<void>;
}

export interface FormDependencies {
  archive: ResultArchive;
  logger: Logger;
}

/** Opens a form that makes `form` with the prompt the user writes. */
export const openPromptForm = async (
  opening: FormOpening,
  kind: 'edit' | 'remix',
  form: PendingForm,
  prompt: string,
  { archive }: FormDependencies,
): Promise<void> => {
  const messages = messagesFor(await opening.locale(), opening.format);
  const id = randomUUID();
  await archive.saveForm(id, form);
  await opening.open({
    id,
    title: messages.formTitle(kind),
    label: messages.promptLabel(),
    submit: messages.formSubmit(),
    prompt,
  });
};

/** `Edit image` on a message: a form for the prompt, with the message's images as the inputs. */
export const openEditForm = async (
  opening: FormOpening,
  images: readonly ImageInputRef[],
  dependencies: FormDependencies,
): Promise<void> => {
  if (images.length === 0) {
    const messages = messagesFor(await opening.locale(), opening.format);
    await opening.tell(messages.noImageOnMessage());
    return;
  }
  await openPromptForm(opening, 'edit', { settings: { inputs: [...images] } }, '', dependencies);
};

/** A submitted form, as a platform received it. */
export interface FormSubmission {
  formId: string;
  prompt: string;
  format: MessageFormat;
  /** Where the job delivers (Discord: the submission's own reply; Slack: the form's channel). */
  delivery: DeliveryAddress;
  /** Rejects when the platform no longer takes an answer: nothing is then done or charged. */
  acknowledge(): Promise<void>;
  locale(): Promise<Locale>;
  requester(locale: Locale): Promise<Requester>;
  /** Tells the person who submitted, privately. */
  tell(text: string): Promise<void>;
}

export const submitPromptForm = async (
  submission: FormSubmission,
  { service, archive, logger }: FormDependencies & { service: GenerationService },
): Promise<void> => {
  try {
    await submission.acknowledge();
  } catch (error) {
    logger.warn({ err: error, formId: submission.formId }, 'could not acknowledge a form');
    return;
  }
  const messages = messagesFor(await submission.locale(), submission.format);
  try {
    const form = await archive.loadForm(submission.formId);
    if (form === undefined) {
      await submission.tell(messages.formExpired());
      return;
    }
    await service.submit(
      { ...form.settings, prompt: submission.prompt },
      await submission.requester(messages.locale),
      submission.delivery,
    );
  } catch (error) {
    const text = describeError(error, messages, logger, { formId: submission.formId });
    await submission
      .tell(text)
      .catch((tellError: unknown) =>
        logger.error({ err: tellError }, 'could not tell the user why a form failed'),
      );
  }
};
