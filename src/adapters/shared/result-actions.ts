/**
 * The actions on a delivered result (Reroll, Vary, Remix, Delete) and on a waiting job (Cancel),
 * written once for every platform. The button names what it does; the platform message it is on
 * names the result, whose settings, owner and images are in the store, so every action works after
 * a restart and in any process. New jobs go through `service.submit`, charged to whoever clicked.
 * Each platform supplies only its transport.
 */
import { isUserError } from '#core/errors.js';
import type { InputFidelity } from '#core/request.js';
import type { ModelCatalogue } from '#core/models.js';
import type { ImageRequest } from '#core/request.js';
import type { ResultDetails } from '#core/result-archive.js';
import type { GenerationService } from '#core/service-api.js';
import { describeError } from './describe-error.js';
import { messagesFor, type Messages } from './messages.js';
import { openPromptForm, type FormOpening } from './prompt-form.js';
import { reuseResult, type ResultReuse, type ResultReuser } from './reuse-result.js';

export type ResultAction = 'reroll' | 'vary' | 'remix' | 'delete';

/** The id each platform gives a result's button (Discord `custom_id`, Slack `action_id`). */
export const resultActionId = (action: ResultAction): string => `imagine:${action}`;

/** The action a button id names, if it is one of a result's. */
export const resultActionOf = (id: string): ResultAction | undefined =>
  (['reroll', 'vary', 'remix', 'delete'] as const).find((action) => resultActionId(action) === id);

/** A button on a result or a status message, in the user's language. */
export interface ActionButton {
  id: string;
  label: string;
  /** Shown as destructive (Delete, Cancel). */
  danger?: boolean;
}

/** The result's buttons: Vary only where the model can work from an image. */
export const resultButtons = (
  request: ImageRequest,
  catalogue: ModelCatalogue,
  messages: Messages,
): ActionButton[] =>
  (['reroll', 'vary', 'remix', 'delete'] as const)
    .filter((action) => action !== 'vary' || catalogue.get(request.model)?.inputs !== undefined)
    .map((action) => ({
      id: resultActionId(action),
      label: messages.actionLabel(action),
      ...(action === 'delete' && { danger: true }),
    }));

const cancelPrefix = 'imagine:cancel:';

/** The Cancel button of a waiting job's status message. */
export const cancelButton = (jobId: string, messages: Messages): ActionButton => ({
  id: `${cancelPrefix}${jobId}`,
  label: messages.actionLabel('cancel'),
  danger: true,
});

/** The job a Cancel button names. */
export const cancelledJobOf = (id: string): string | undefined =>
  id.startsWith(cancelPrefix) ? id.slice(cancelPrefix.length) : undefined;

/** One pick of the vary picker: which image (0-based) and, where the model takes it, the fidelity. */
export interface VaryChoice {
  index: number;
  fidelity?: InputFidelity;
}

const varyPrefix = 'imagine:vary-pick:';

/** The picker's buttons: the result message, the image and the fidelity, in the id. */
const varyChoices = (
  messageId: string,
  imageCount: number,
  withFidelity: boolean,
  messages: Messages,
): ActionButton[] =>
  Array.from({ length: imageCount }, (_, index) =>
    withFidelity
      ? (['high', 'low'] as const).map((fidelity) => ({
          id: `${varyPrefix}${index}:${fidelity}:${messageId}`,
          label: messages.varyChoice(index + 1, fidelity === 'high' ? 'subtle' : 'strong'),
        }))
      : [{ id: `${varyPrefix}${index}:-:${messageId}`, label: messages.varyChoice(index + 1) }],
  ).flat();

/** The result message and the choice a picker button names. */
export const varyPickOf = (id: string): { messageId: string; choice: VaryChoice } | undefined => {
  const match = /^imagine:vary-pick:(\d+):(high|low|-):(.+)$/.exec(id);
  if (!match) return undefined;
  const fidelity = match[2] === '-' ? undefined : (match[2] as InputFidelity);
  return {
    messageId: match[3] as string,
    choice: { index: Number(match[1]), ...(fidelity !== undefined && { fidelity }) },
  };
};

/** A click on one of a result's buttons, as a platform received it (already acknowledged). */
export type ResultClick = ResultReuse;

const tellFailure = async (click: ResultClick, error: unknown, reuser: ResultReuser) => {
  const messages = messagesFor(await click.locale(), click.format);
  const text = describeError(error, messages, reuser.logger, {
    messageId: click.messageId,
    userId: click.userId,
  });
  await click
    .tell(text)
    .catch((tellError: unknown) =>
      reuser.logger.error({ err: tellError }, 'could not tell the user why an action failed'),
    );
};

/** `Reroll`: exactly what 🔁 does. */
export const rerollResult = (click: ResultClick, reuser: ResultReuser): Promise<void> =>
  reuseResult(click, reuser);

/**
 * `Vary`: a new image from one of the result's, with the same prompt and settings. Asks which
 * image first where there are several, and how much to change where the model takes
 * `input_fidelity`; the image is fetched again from the platform when the job runs.
 */
export const varyResult = async (
  click: ResultClick & {
    /** Shows the picker privately to the person who clicked. */
    pick(text: string, choices: readonly ActionButton[]): Promise<void>;
  },
  choice: VaryChoice | undefined,
  reuser: ResultReuser,
): Promise<void> => {
  const { archive, service, recent } = reuser;
  const key = `${click.userId}/${click.messageId}/vary/${choice?.index}/${choice?.fidelity}`;
  if (!recent.admit(key)) return;
  try {
    const messages = messagesFor(await click.locale(), click.format);
    const [request, details] = await Promise.all([
      archive.load(click.platform, click.messageId),
      archive.loadDetails(click.platform, click.messageId),
    ]);
    const image = details?.images[choice?.index ?? 0];
    if (request === undefined || details === undefined || image === undefined) {
      await click.tell(messages.resultExpired());
      return;
    }
    const withFidelity = service.catalogue.get(request.model)?.inputFidelity ?? false;
    if (choice === undefined && (details.images.length > 1 || withFidelity)) {
      await click.pick(
        messages.varyPrompt(),
        varyChoices(click.messageId, details.images.length, withFidelity, messages),
      );
      return;
    }
    await service.submit(
      {
        ...request,
        inputs: [image],
        inputFidelity: choice?.fidelity,
        // dall-e-2 is varied through /images/variations; other models ignore this.
        variation: true,
      },
      await click.requester(messages.locale),
      click.delivery,
    );
  } catch (error) {
    await tellFailure(click, error, reuser);
  }
};

/** `Remix`: a form with the prompt filled in; what is submitted runs with the same settings. */
export const remixResult = async (
  click: ResultClick & { opening: FormOpening },
  reuser: ResultReuser,
): Promise<void> => {
  try {
    const request = await reuser.archive.load(click.platform, click.messageId);
    if (request === undefined) {
      const messages = messagesFor(await click.locale(), click.format);
      await click.tell(messages.resultExpired());
      return;
    }
    const { prompt, ...settings } = request;
    await openPromptForm(click.opening, 'remix', { settings }, prompt, reuser);
  } catch (error) {
    await tellFailure(click, error, reuser);
  }
};

/**
 * `Delete`: removes the result message, for its requester or a moderator (the platform says who
 * is one); anyone else is told privately. Nothing is refunded: the images were made.
 */
export const deleteResult = async (
  click: ResultClick & {
    isModerator(): Promise<boolean>;
    /** Removes the message and, where the platform keeps them apart, its images. */
    remove(details: ResultDetails | undefined): Promise<void>;
  },
  reuser: ResultReuser,
): Promise<void> => {
  try {
    const messages = messagesFor(await click.locale(), click.format);
    const details = await reuser.archive.loadDetails(click.platform, click.messageId);
    const owner = details?.ownerId;
    if (owner !== click.userId && !(await click.isModerator())) {
      await click.tell(messages.notYourResult());
      return;
    }
    await click.remove(details);
  } catch (error) {
    await tellFailure(click, error, reuser);
  }
};

/** A click on a waiting job's Cancel button. */
export interface CancelClick {
  jobId: string;
  userId: string;
  isAdmin(): Promise<boolean>;
  format: ResultClick['format'];
  locale: ResultClick['locale'];
  tell(text: string): Promise<void>;
}

/**
 * `Cancel`: the job leaves the queue and is refunded, and its status message says so (through the
 * job's reporter). Only its owner or an admin; anyone else is told privately.
 */
export const cancelJob = async (
  click: CancelClick,
  { service, logger }: { service: GenerationService; logger: ResultReuser['logger'] },
): Promise<void> => {
  try {
    await service.cancel(click.jobId, { userId: click.userId, isAdmin: await click.isAdmin() });
  } catch (error) {
    const messages = messagesFor(await click.locale(), click.format);
    const text =
      isUserError(error) && error.identifier === 'notAllowed'
        ? messages.notYourJob()
        : describeError(error, messages, logger, { jobId: click.jobId });
    await click
      .tell(text)
      .catch((tellError: unknown) =>
        logger.error({ err: tellError }, 'could not tell the user why cancelling failed'),
      );
  }
};

/** What a platform supplies for a click on one of the bot's buttons. */
export interface ButtonTransport {
  /** The user who clicked. */
  userId: string;
  /** The message the button is on (a result, a status message or a vary picker). */
  messageId: string;
  format: ResultClick['format'];
  locale: ResultClick['locale'];
  /** The click as the shared flows see it, acting on the result shown by `resultId`. */
  click(resultId: string): ResultClick;
  /** Acknowledges without a visible change: every action but Remix, whose form is its answer. */
  acknowledge(): Promise<void>;
  /** Opens a form as the click's first answer. */
  opening(): FormOpening;
  isModerator(): Promise<boolean>;
  isAdmin(): Promise<boolean>;
  remove(details: ResultDetails | undefined): Promise<void>;
  pick(text: string, choices: readonly ActionButton[]): Promise<void>;
}

/**
 * Does what one of the bot's buttons says; false for any other button. Whatever it does is
 * acknowledged first, within the platform's 3 seconds.
 */
export const handleActionButton = async (
  id: string,
  transport: ButtonTransport,
  reuser: ResultReuser,
): Promise<boolean> => {
  const action = resultActionOf(id);
  const pick = varyPickOf(id);
  const jobId = cancelledJobOf(id);
  if (action === undefined && pick === undefined && jobId === undefined) return false;
  if (action === 'remix') {
    const opening = transport.opening();
    await remixResult(
      { ...transport.click(transport.messageId), opening, tell: opening.tell },
      reuser,
    );
    return true;
  }
  await transport.acknowledge();
  if (jobId !== undefined) {
    const { userId, format, locale } = transport;
    const tell = (text: string) => transport.click(transport.messageId).tell(text);
    await cancelJob({ jobId, userId, format, locale, isAdmin: transport.isAdmin, tell }, reuser);
    return true;
  }
  const click = transport.click(pick?.messageId ?? transport.messageId);
  if (action === 'reroll') await rerollResult(click, reuser);
  else if (action === 'delete')
    await deleteResult(
      { ...click, isModerator: transport.isModerator, remove: transport.remove },
      reuser,
    );
  else await varyResult({ ...click, pick: transport.pick }, pick?.choice, reuser);
  return true;
};
