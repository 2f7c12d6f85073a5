/**
 * `npm run bench [section…]`: runs the benchmarks side by side in one process, prints a table and
 * records it in docs/benchmarks.md. Targets are reported, not enforced: speed goals live here,
 * never in timed tests.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { benchDiscord } from './discord.js';
import { benchQueue } from './queue.js';
import { benchQuota } from './quota.js';
import type { BenchRow } from './types.js';
import { format as formatWithPrettier, resolveConfig } from 'prettier';

const sections: Record<string, () => Promise<BenchRow[]>> = {
  queue: benchQueue,
  quota: benchQuota,
  discord: benchDiscord,
};

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

const results: Array<{ section: string; rows: BenchRow[] }> = [];
for (const [section, run] of Object.entries(sections)) {
  if (chosen.length > 0 && !chosen.includes(section)) continue;
  console.log(`running ${section}…`);
  results.push({ section, rows: await run() });
}

const header = '| section | measure | result | target | met |\n| --- | --- | --- | --- | --- |';
const table = results
  .flatMap(({ section, rows }) =>
    rows.map(
      (row) =>
        `| ${section} | ${row.name} | ${format(row.value)} ${row.unit} | ${row.target ?? ''} | ${row.pass === undefined ? '' : row.pass ? 'yes' : '**no**'} |`,
    ),
  )
  .join('\n');
console.log(`\n${header}\n${table}\n`);

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const document = `# Benchmarks

Recorded by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpu}, ${os.cpus().length} cores,
${Math.round(os.totalmem() / 2 ** 30)} GiB, Node.js ${process.version}. Every figure below comes from one run, side by side;
run it again to refresh this file.

${header}
${table}

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
if (chosen.length === 0) {
  const target = new URL('../docs/benchmarks.md', import.meta.url);
  // Written as the formatter would, so a fresh recording never fails `npm run lint`.
  const prettierOptions = (await resolveConfig(target)) ?? {};
  await writeFile(
    target,
    await formatWithPrettier(document, { ...prettierOptions, parser: 'markdown' }),
  );
  console.log('recorded in docs/benchmarks.md');
}
// A benchmark may leave a keep-alive socket to a fake it already closed; do not wait on it.
process.exit(0);
