/**
 * A second bot process on a shared store (the Redis settings test): the real core wired on
 * `<storeUrl>` under `<namespace>`, as a gateway (it queues jobs and runs none), taking one command per stdin line and printing one JSON answer per line.
 *
 *   settings <text>   runs /imagine-settings as a workspace admin and prints its reply
 *   imagine <prompt>  submits a request and prints the refusal's identifier, or `accepted`
 *
 * It closes its core and ends when stdin ends.
 *
 * Usage: node --import tsx test/support/settings-worker.ts <storeUrl> <namespace> <guildId> <imagesBaseUrl>
 */
import { createInterface } from 'node:readline';
import { composeCore } from '../../src/compose.js';
import { isUserError } from '#core/errors.js';
import { ModelCatalogue } from '#core/models.js';
import type { Requester } from '#core/request.js';
import { messagesFor } from '#adapters/shared/messages.js';
import { parseTextCommand } from '#adapters/shared/text-options.js';
import { loadCommands } from '#commands/registry.js';
import { RecordingReporter } from './recording-reporter.js';
import { testQueue } from './service-harness.js';

const [storeUrl, storeNamespace, guildId, imagesBaseUrl] = process.argv.slice(2);
if (!storeUrl || !storeNamespace || !guildId || !imagesBaseUrl) {
  console.error('usage: settings-worker.ts <storeUrl> <namespace> <guildId> <imagesBaseUrl>');
  process.exit(2);
}

const reporter = new RecordingReporter();
const core = await composeCore({
  storeUrl,
  storeNamespace,
  role: 'gateway',
  images: { baseUrl: imagesBaseUrl, apiKey: 'test-images-key', maxRetries: 0 },
  catalogue: new ModelCatalogue(),
  defaultModel: 'dall-e-2',
  userSalt: 'test-salt',
  queue: testQueue,
  quota: { guildLimit: null, userLimit: null, period: 'day', guildTokenBudget: null },
  reporters: () => new Map([['slack', reporter]]),
});
const settings = (await loadCommands()).find((command) => command.name === 'imagine-settings')!;
const requester = (userId: string, isAdmin: boolean): Requester => ({
  platform: 'slack',
  guildId,
  userId,
  channelId: 'C1',
  locale: 'en',
  isAdmin,
});

const answer = async (line: string): Promise<string> => {
  const [verb = '', ...rest] = line.split(' ');
  const text = rest.join(' ');
  try {
    if (verb === 'settings') {
      let replied = '';
      await settings.execute({
        service: core.service,
        requester: requester('UOTHERADMIN', true),
        options: parseTextCommand(settings, text, core.service.catalogue),
        delivery: {},
        messages: messagesFor('en'),
        mention: (userId) => `<@${userId}>`,
        reply: async (reply) => {
          replied = reply;
        },
      });
      return replied;
    }
    await core.service.submit(
      { prompt: text, model: 'dall-e-2', size: '256x256' },
      requester('UWORKER', false),
      { teamId: guildId, channelId: 'C1' },
    );
    return 'accepted';
  } catch (error) {
    return isUserError(error) ? error.identifier : String(error);
  }
};

process.stdout.write(`${JSON.stringify('ready')}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  process.stdout.write(`${JSON.stringify(await answer(line))}\n`);
}
await core.close();
