/**
 * One of several processes racing for the same Redis quota (store-contract test). It opens the
 * store, says `ready`, waits for a line on stdin so that every worker starts at once, fires its
 * reserves concurrently and prints how many were admitted as JSON.
 *
 * Usage: node --import tsx test/support/quota-worker.ts <storeUrl> <namespace> <workerId> <attempts> <guildLimit>
 */
import { once } from 'node:events';
import { createQuotas } from '#core/quota/quota-service.js';
import { isUserError } from '#core/errors.js';
import { openStore } from '#store/open-store.js';

const [url, namespace, workerId, attempts, guildLimit] = process.argv.slice(2);
if (!url || !namespace || !workerId || !attempts || !guildLimit) {
  console.error('usage: quota-worker.ts <storeUrl> <namespace> <workerId> <attempts> <guildLimit>');
  process.exit(2);
}

const store = await openStore(url, { namespace });
const quotas = createQuotas({
  ledger: store.ledger,
  defaults: {
    guildLimit: Number(guildLimit),
    userLimit: null,
    period: 'day',
    guildTokenBudget: null,
  },
});
process.stdout.write('ready\n');
await once(process.stdin, 'data');

const now = Date.now();
const outcomes = await Promise.allSettled(
  Array.from({ length: Number(attempts) }, (_, index) =>
    quotas.reserve(
      {
        jobId: `${workerId}-${index}`,
        guildId: 'race',
        userId: `user-${workerId}-${index}`,
        images: 1,
        expiresAt: now + 60_000,
      },
      now,
    ),
  ),
);
const unexpected = outcomes.find(
  (outcome) => outcome.status === 'rejected' && !isUserError(outcome.reason),
);
if (unexpected?.status === 'rejected') throw unexpected.reason;
process.stdout.write(
  `${JSON.stringify({ admitted: outcomes.filter((outcome) => outcome.status === 'fulfilled').length })}\n`,
);
await store.close();
process.stdin.destroy();
