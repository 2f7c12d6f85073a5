/**
 * `npm run bench [section…]`: runs the benchmarks side by side in one process, prints a table and
 * records it in docs/benchmarks.md. Targets are reported, not enforced: speed goals live here,
 * never in timed tests. The shared queue's figures (which need Redis and spawn worker processes)
 * have their own part of that file, which `npm run bench shared-queue` records alone.
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { benchDiscord } from './discord.js';
import { benchQueue } from './queue.js';
import { benchQuota } from './quota.js';
import { benchSharedQueue, describeRedis } from './shared-queue.js';
import type { BenchRow } from './types.js';
import { format as formatWithPrettier, resolveConfig } from 'prettier';

const sections: Record<string, () => Promise<BenchRow[]>> = {
  queue: benchQueue,
  quota: benchQuota,
  discord: benchDiscord,
  'shared-queue': benchSharedQueue,
};
/** Sections recorded in a part of their own, after the main table. */
const apart = new Set(['shared-queue']);
const sharedQueueHeading = '## Shared queue';

const chosen = process.argv.slice(2).filter((name) => !name.startsWith('-'));
const unknown = chosen.filter((name) => !(name in sections));
if (unknown.length > 0) {
  console.error(
    `Unknown benchmark section ${unknown.join(', ')}: choose ${Object.keys(sections).join(', ')}`,
  );
  process.exit(2);
}

const format = (value: number) =>
  Number.isInteger(value)
    ? value.toLocaleString('en-US')
    : value.toLocaleString('en-US', { maximumSignificantDigits: 4 });

const loadBefore = os.loadavg()[0] ?? NaN;
const results: Array<{ section: string; rows: BenchRow[] }> = [];
for (const [section, run] of Object.entries(sections)) {
  if (chosen.length > 0 && !chosen.includes(section)) continue;
  console.log(`running ${section}…`);
  results.push({ section, rows: await run() });
}
const loadAfter = os.loadavg()[0] ?? NaN;

const row = (row: BenchRow) =>
  `${row.name} | ${format(row.value)} ${row.unit} | ${row.target ?? ''} | ${row.pass === undefined ? '' : row.pass ? 'yes' : '**no**'} |`;
const header = '| section | measure | result | target | met |\n| --- | --- | --- | --- | --- |';
const table = results
  .flatMap(({ section, rows }) => rows.map((line) => `| ${section} | ${row(line)}`))
  .join('\n');
console.log(`\n${header}\n${table}\n`);

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const machine = `${cpu}, ${os.cpus().length} cores,
${Math.round(os.totalmem() / 2 ** 30)} GiB, Node.js ${process.version}`;
const today = new Date().toISOString().slice(0, 10);
const mainTable = `${header}
${results
  .filter(({ section }) => !apart.has(section))
  .flatMap(({ section, rows }) => rows.map((line) => `| ${section} | ${row(line)}`))
  .join('\n')}`;
const sharedQueueRows = results.find(({ section }) => section === 'shared-queue')?.rows ?? [];

const redis = sharedQueueRows.length > 0 ? await describeRedis() : '';
const sharedQueuePart = `${sharedQueueHeading}

Recorded by \`npm run bench shared-queue\` (which records this part alone; \`npm run bench\` records it too)
on ${today}: ${machine.replace('\n', ' ')}, ${redis}. It needs that Redis; each run keeps its keys under a
STORE_NAMESPACE of its own and deletes them at the end. The machine's one-minute load average was
${loadBefore.toFixed(1)} when the run began and ${loadAfter.toFixed(1)} when it ended: other work shares these cores, so
read the ratios, measured side by side, rather than the absolute times.

| measure | result | target | met |
| --- | --- | --- | --- |
${sharedQueueRows.map((line) => `| ${row(line)}`).join('\n')}

- **Setup.** The bench process holds the gateway cores (\`BOT_ROLE=gateway\`) and the fake Images API;
  each worker is an OS process of its own (\`bench/support/queue-worker.ts\`, \`BOT_ROLE=worker\`, C jobs at
  once) that reports each job's start and ending over IPC, stamped with the machine's monotonic clock.
- **Throughput.** N jobs spread over 20 guilds and 100 users are queued while BullMQ holds the workers
  (a global pause of the tickets), then let go; the ratio is the ideal ceil(N / (workers × C)) × latency
  over the time from letting go to the last ending. A round lasts as long as its slowest job's own
  start to ending (in the row: the fake API's latency plus the service's work, from the HTTP client to
  the quota commit) plus the hand-over to the next job (the finish script, BullMQ's move to the next
  ticket, the take script: three Redis round trips). The ideal counts the latency alone, so the
  service's own work in every job keeps even the in-process queue below it (the reference row, the
  same jobs through the in-process queue in one process, for what the machine allows without the
  shared queue). Every hop waits for a CPU, so on a loaded machine
  the loss grows with the processes and jobs sharing its cores (each row gives the share of the
  machine's CPU left idle meanwhile, everyone's work counted: near 0 %, the cores were the limit).
- **Images cap.** \`QUEUE_IMAGES_PER_MINUTE\` counts over a window shortened to a few seconds
  (\`rateWindowMs\`), with far more jobs queued than it lets start. The first row is the mean, over every
  position of a sliding window during the run, of the images the fake API received in it; the next
  two are the busiest such window, as the fake API saw the requests arrive and as the queue logged
  its starts (Redis time, read from its log while it ran). The queue counts a job in the window when
  a worker takes it; the request reaches the upstream some milliseconds later. When that delay varies
  (the delay row: on a loaded machine it reaches a hundred milliseconds and more), a job taken the
  moment an earlier one left the window can reach the upstream less than a window after it, so the
  upstream can see more than the cap in one window while the queue's own log never holds more.
- **Enqueue to start.** One job at a time, each after the last ended, upstream latency 0: the time
  from \`submit()\` to the job's \`started\` event, through the in-process queue and through a gateway and
  one worker process sharing the queue on Redis (enqueue script, BullMQ ticket, the worker's take).
- **Fairness across processes.** Guild A's burst is queued through one gateway while the workers are
  held; once A's jobs fill every slot, guild B's first job arrives through another gateway core. The
  slot is its place among all starts across both workers.
`;

const mainDocument = `# Benchmarks

Recorded by \`npm run bench\` on ${today}: ${machine}. Every figure below comes from one run, side by side;
run it again to refresh this file.

${mainTable}

## Reading the figures

- **Queue.** The fair queue's throughput is measured against a fixed-latency stand-in for the
  upstream call, next to a plain p-queue doing the same work: the gap between the two rows is what
  fairness costs. The whole-service row adds validation, quota, the real Images client over
  loopback HTTP and decoding; it is bound by the bot's one thread (its CPU per job is in the next
  rows), mostly the HTTP client and the openai SDK. See [performance-notes.md](performance-notes.md).
- **Quota.** Reserve plus commit pairs per second from one process; SQLite groups concurrent writes
  into one transaction, Redis runs one Lua script per operation. See [quotas.md](quotas.md).
- **Discord.** 500 \`/imagine\` at once through the fake gateway (in a worker thread). The bare
  discord.js rows run the same burst against a client that only defers: the floor discord.js sets
  on this machine, against which the adapter's figures should be read. See
  [discord-latency-notes.md](discord-latency-notes.md).
`;

const target = new URL('../docs/benchmarks.md', import.meta.url);
const record = async (document: string) => {
  // Written as the formatter would, so a fresh recording never fails `npm run lint`.
  const prettierOptions = (await resolveConfig(target)) ?? {};
  await writeFile(
    target,
    await formatWithPrettier(document, { ...prettierOptions, parser: 'markdown' }),
  );
  console.log('recorded in docs/benchmarks.md');
};
if (chosen.length === 0) await record(`${mainDocument}\n${sharedQueuePart}`);
else if (chosen.length === 1 && chosen[0] === 'shared-queue') {
  // Only this part changes; the main table keeps the run that recorded it.
  const current = await readFile(target, 'utf8');
  const at = current.indexOf(`\n${sharedQueueHeading}\n`);
  await record(`${at === -1 ? current : current.slice(0, at)}\n${sharedQueuePart}`);
}
// A benchmark may leave a keep-alive socket to a fake it already closed; do not wait on it.
process.exit(0);
