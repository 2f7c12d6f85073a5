/**
 * The real service in a process of its own, so that its memory can be measured alone (memory-budget
 * test). It makes one normal image to load everything, says `ready`, waits for a line on stdin (the
 * test then makes the fake Images API send endless bodies), runs `jobs` requests at once, and prints
 * what happened to them and how far its resident memory rose above where it stood before, as JSON.
 *
 * Wired as the bot wires it: each of `jobs` running jobs gets its `jobShare` of the budget.
 *
 * Usage: node --import tsx test/support/memory-worker.ts <baseUrl> <maxInflightBytes> <jobs>
 */
import { once } from 'node:events';
import { jobShare } from '#core/images/inflight-budget.js';
import { RecordingReporter } from './recording-reporter.js';
import { delivery, requester, smallRequest, wireService } from './service-harness.js';

const [baseUrl, budget, jobs] = process.argv.slice(2);
if (!baseUrl || !budget || !jobs) {
  console.error('usage: memory-worker.ts <baseUrl> <maxInflightBytes> <jobs>');
  process.exit(2);
}

const reporter = new RecordingReporter();
const wired = await wireService(baseUrl, reporter, {
  // Long enough that only the byte caps, never a timeout, can end an endless body.
  client: {
    maxInflightBytes: Number(budget),
    maxJobBytes: jobShare(Number(budget), Number(jobs)),
    timeoutMs: 120_000,
    downloadTimeoutMs: 120_000,
  },
  queue: { concurrency: Number(jobs), jobDeadlineMs: 180_000 },
});

const run = async (index: number, guildId = 'g1') => {
  const { job } = await wired.service.submit(
    smallRequest(`job ${index}`),
    requester(guildId, `u${index}`),
    delivery,
  );
  const ending = await Promise.race([
    reporter.next(job.id, 'completed'),
    reporter.next(job.id, 'failed'),
  ]);
  return ending.type === 'failed' ? ending.failure.reason : ending.type;
};

await run(0, 'warm-up');
process.stdout.write('ready\n');
await once(process.stdin, 'data');

const rssBefore = process.memoryUsage.rss();
const maxRssBefore = process.resourceUsage().maxRSS * 1024;
let sampledPeak = rssBefore;
const sampler = setInterval(() => {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
}, 5);
const outcomes = await Promise.all(Array.from({ length: Number(jobs) }, (_, index) => run(index)));
clearInterval(sampler);
const maxRssAfter = process.resourceUsage().maxRSS * 1024;
// The kernel's high-water mark catches what sampling misses, when it rose during the jobs at all.
const peak = Math.max(sampledPeak, maxRssAfter > maxRssBefore ? maxRssAfter : 0);
const used = (await wired.service.standing('g1', 'u0')).guild.used;
process.stdout.write(
  `${JSON.stringify({ outcomes, rssBefore, peak, riseBytes: peak - rssBefore, guildUsed: used })}\n`,
);
await wired.close();
process.exit(0);
