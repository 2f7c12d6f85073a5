/**
 * The fake Discord in a thread of its own, for load measurements: Discord is another machine, so
 * its work must not share the bot's event loop. The parent asks for a burst of /imagine across
 * many guilds and gets back each one's delay from gateway dispatch to acknowledgement.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startFakeDiscord, type CommandInvocation, type FakeInteraction } from './index.js';

export interface BurstPlan {
  guilds: number;
  usersPerGuild: number;
  /** Commands sent and acknowledged first, so the burst meets a process that has loaded its code. */
  warmUp: number;
  ackTimeoutMs: number;
}

export type ToWorker = { type: 'burst' } | { type: 'close' };
export type FromWorker =
  | { type: 'ready'; token: string; restApi: string }
  | { type: 'measured'; sent: number; delaysMs: number[] }
  | { type: 'closed' };

const plan = workerData as BurstPlan;
const port = parentPort;
if (port === null) throw new Error('burst-worker.ts runs as a worker thread');

const discord = await startFakeDiscord();
const members = Array.from({ length: plan.guilds }, (_, index) => {
  const owner = discord.addUser(`owner-${index}`);
  const guild = discord.addGuild(`guild-${index}`, owner);
  const users = Array.from({ length: plan.usersPerGuild }, (_, user) =>
    discord.addUser(`user-${index}-${user}`),
  );
  return users.map((user) => ({ guild, user }));
});
const imagine = ({ guild, user }: (typeof members)[number][number]): CommandInvocation => ({
  guild,
  user,
  name: 'imagine',
  options: [
    { name: 'prompt', type: 3, value: `a lighthouse for ${user.username}` },
    { name: 'model', type: 3, value: 'dall-e-2' },
    { name: 'size', type: 3, value: '256x256' },
  ],
});
/**
 * Resolves once every interaction is acknowledged. The probe runs on every change of the world, so
 * it resumes from the first interaction still waiting: checking all of them each time would cost
 * the fake O(n²) in a burst, time taken from the callbacks it is measuring.
 */
const acknowledged = (interactions: FakeInteraction[], what: string) => {
  let waiting = 0;
  return discord.world
    .until(
      () => {
        while (interactions[waiting]?.acknowledgedAt !== undefined) waiting += 1;
        return waiting === interactions.length;
      },
      what,
      plan.ackTimeoutMs,
    )
    .catch(() => undefined);
};

const send = (message: FromWorker) => port.postMessage(message);

port.on('message', async (message: ToWorker) => {
  if (message.type === 'close') {
    await discord.close();
    send({ type: 'closed' });
    return;
  }
  const warmUp = members.slice(0, plan.warmUp).map((guildMembers) => guildMembers[0]!);
  const warmUpRuns = discord.runCommands(warmUp.map(imagine));
  await acknowledged(warmUpRuns, 'the warm-up');
  // The warm-up's images are encoded by the fake Images API in the bot's own process (the real API
  // is remote): let them finish so that work does not land inside the measured burst.
  await discord.world
    .until(
      () =>
        warmUpRuns.every(
          (interaction) =>
            (discord.world.messages.get(interaction.originalMessageId ?? '')?.embeds.length ?? 0) >
            0,
        ),
      'the warm-up results',
      plan.ackTimeoutMs,
    )
    .catch(() => undefined);
  const burst = discord.runCommands(members.flat().map(imagine));
  await acknowledged(burst, 'the burst');
  send({
    type: 'measured',
    sent: burst.length,
    delaysMs: burst.flatMap((interaction) =>
      interaction.acknowledgedAt === undefined
        ? []
        : [interaction.acknowledgedAt - interaction.dispatchedAt],
    ),
  });
});
send({ type: 'ready', token: discord.token, restApi: discord.restApi });
