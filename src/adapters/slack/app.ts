/**
 * The Slack adapter's entry point: a Bolt app in Socket Mode when an app token is configured (no
 * public URL needed), otherwise an HTTP receiver that verifies Slack's request signatures. It only
 * translates: commands and `:repeat:` go to the shared flows.
 */
import { Server } from 'node:http';
import {
  App,
  SocketModeReceiver,
  type BlockAction,
  type BlockButtonAction,
  type MessageShortcut,
} from '@slack/bolt';
import type { Config } from '../../config.js';
import type { AdapterParts } from '#adapters/shared/adapter-parts.js';
import { openEditForm, submitPromptForm } from '#adapters/shared/prompt-form.js';
import { createResultReuser } from '#adapters/shared/reuse-result.js';
import { runCommand } from '#adapters/shared/run-command.js';
import { auditDeleteAction, auditDeleteListener } from './audit.js';
import { boltLogger } from './bolt-logger.js';
import {
  resolveRetryOptions,
  slackClientOptions,
  type SlackRetryOptions,
} from './client-options.js';
import { buttonListener } from './buttons.js';
import { slashCommandInvocation } from './commands.js';
import { imagesOfMessage, promptViewId, viewOpening, viewSubmission } from './forms.js';
import { SlackPeople } from './people.js';
import { regenerateListener } from './regenerate.js';

export type SlackConfig = NonNullable<Config['slack']>;

export interface SlackAdapterOptions extends AdapterParts {
  config: SlackConfig;
  /** @default see {@link SlackRetryOptions} */
  retry?: SlackRetryOptions;
  /** How long a user's locale and admin standing are trusted before asking `users.info` again. @default 300000 */
  peopleCacheMs?: number;
  /** Repeated `:repeat:` from one user on one message within this window count once. @default 5000 */
  regenerateDedupeMs?: number;
}

export interface SlackAdapter {
  mode: 'socket' | 'http';
  /** The port the HTTP receiver listens on (useful with SLACK_PORT=0); undefined in Socket Mode. */
  port?: number;
  /** Whether Slack can reach the bot now: the socket is open (Socket Mode), or the receiver listens (HTTP). */
  connected(): boolean;
  stop(): Promise<void>;
}

export const startSlackAdapter = async (options: SlackAdapterOptions): Promise<SlackAdapter> => {
  const { config, service } = options;
  const logger = options.logger.child({ component: 'slack' });
  const slackLogger = boltLogger(options.logger);
  const socketMode = Boolean(config.appToken);
  const app = new App({
    token: config.botToken,
    logger: slackLogger,
    clientOptions: slackClientOptions(
      config.apiUrl,
      resolveRetryOptions(options.retry),
      slackLogger,
    ),
    ...(socketMode
      ? { socketMode: true, appToken: config.appToken }
      : { signingSecret: config.signingSecret, port: config.port }),
  });

  const people = new SlackPeople(
    app.client,
    config.adminUserIds,
    logger,
    options.peopleCacheMs ?? 300_000,
  );
  for (const definition of options.commands) {
    app.command(`/${definition.name}`, async (args) => {
      await runCommand(slashCommandInvocation(args, people, service.catalogue), definition, {
        service,
        intake: options.intake,
        logger,
      });
    });
  }
  const reuser = createResultReuser(options, options.regenerateDedupeMs ?? 5_000, logger);
  for (const action of options.messageActions ?? []) {
    app.shortcut<MessageShortcut>(
      { type: 'message_action', callback_id: action.id },
      async ({ shortcut, ack, client }) => {
        await ack();
        const actor = {
          teamId: shortcut.team?.id ?? shortcut.user.team_id ?? '',
          userId: shortcut.user.id,
          channelId: shortcut.channel.id,
        };
        await openEditForm(
          viewOpening(client, people, actor, shortcut.trigger_id),
          imagesOfMessage(shortcut.message),
          reuser,
        );
      },
    );
  }
  app.view(promptViewId, async ({ ack, view, body, client }) => {
    await submitPromptForm(
      viewSubmission(view, () => ack(), client, people, {
        teamId: body.team?.id ?? body.user.team_id ?? '',
        userId: body.user.id,
      }),
      reuser,
    );
  });
  app.event('reaction_added', regenerateListener(people, reuser));
  app.action<BlockButtonAction>(auditDeleteAction, auditDeleteListener(people, logger));
  app.action<BlockAction>({ action_id: /^imagine:/ }, buttonListener(people, reuser));
  app.error(async (error) => {
    logger.error({ err: error }, 'Slack listener failed');
  });

  const started = await app.start();
  let connected = true;
  // Bolt keeps its receiver private. Its Socket Mode client emits `close` when the socket drops
  // (it then waits before reconnecting), `disconnected` when it gives up, `connected` when back.
  const receiver: unknown = app['receiver'];
  if (receiver instanceof SocketModeReceiver) {
    receiver.client.on('connected', () => (connected = true));
    for (const lost of ['close', 'disconnected'])
      receiver.client.on(lost, () => (connected = false));
  }
  const port = started instanceof Server ? (started.address() as { port: number }).port : undefined;
  logger.info({ mode: socketMode ? 'socket' : 'http', port }, 'Slack adapter started');
  return {
    mode: socketMode ? 'socket' : 'http',
    ...(port !== undefined && { port }),
    connected: () => connected,
    stop: async () => {
      connected = false;
      await app.stop();
    },
  };
};
