/**
 * Acknowledgements first: a burst of commands is acknowledged before any of its work starts, so the
 * work of the first commands never delays Discord's 3-second deadline for the last ones.
 */
import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '#test/support/close-after-each.js';
import { AcknowledgementsFirst } from '#adapters/discord/acknowledgements.js';
import { startFakeDiscord } from '#test/fakes/discord/index.js';
import { startTestBot } from '#test/fakes/discord/bot.js';

/** A promise with its resolver, for an acknowledgement that settles when the test says so. */
const pending = () => {
  let settle = () => {};
  const promise = new Promise<void>((resolve) => {
    settle = resolve;
  });
  return { promise, settle };
};

describe('AcknowledgementsFirst', () => {
  it('holds work back until every acknowledgement on its way has settled', async () => {
    const gate = new AcknowledgementsFirst(60_000);
    const first = pending();
    const second = pending();
    const acknowledged = [
      gate.acknowledge(() => first.promise),
      gate.acknowledge(() => second.promise),
    ];
    let worked = false;
    const work = gate.settled().then(() => {
      worked = true;
    });

    first.settle();
    await acknowledged[0];
    const workedWhileOneWasOnItsWay = worked;
    second.settle();
    await Promise.all([...acknowledged, work]);

    expect(workedWhileOneWasOnItsWay).toBe(false);
    expect(worked).toBe(true);
  });

  it('counts a failed acknowledgement as settled and passes its error on', async () => {
    const gate = new AcknowledgementsFirst(60_000);
    const refused = gate.acknowledge(() => Promise.reject(new Error('Unknown interaction')));

    await expect(refused).rejects.toThrow('Unknown interaction');
    await expect(gate.settled()).resolves.toBeUndefined();
  });

  it('lets work go after the longest wait even while an acknowledgement is still on its way', async () => {
    const gate = new AcknowledgementsFirst(10);
    const stuck = pending();
    let acknowledged = false;
    const acknowledgement = gate
      .acknowledge(() => stuck.promise)
      .then(() => {
        acknowledged = true;
      });

    await gate.settled();

    expect(acknowledged).toBe(false);
    stuck.settle();
    await acknowledgement;
  });
});

describe('a burst of /imagine on Discord', () => {
  const closeLater = closeAfterEach();

  it('is acknowledged in full before any other request for its work', async () => {
    const fake = closeLater(await startFakeDiscord(), (started) => started.close());
    const guilds = Array.from({ length: 5 }, (_, index) =>
      fake.addGuild(`guild-${index}`, fake.addUser(`owner-${index}`)),
    );
    closeLater(await startTestBot(fake), (started) => started.stop());
    const before = fake.requests.length;

    const burst = fake.runCommands(
      guilds.flatMap((guild) =>
        Array.from({ length: 6 }, (_, index) => ({
          guild,
          user: fake.addUser(`${guild.name}-user-${index}`),
          name: 'imagine',
          options: [
            { name: 'prompt', type: 3, value: `a kite, take ${index}` },
            { name: 'model', type: 3, value: 'dall-e-2' },
            { name: 'size', type: 3, value: '256x256' },
          ],
        })),
      ),
    );
    await fake.world.until(
      () =>
        burst.every(
          (interaction) =>
            (fake.world.messages.get(interaction.originalMessageId ?? '')?.history.length ?? 0) > 1,
        ),
      'an edit of every reply',
      20_000,
    );

    const sequence = fake.requests
      .slice(before)
      .map((request) => (request.path.endsWith('/callback') ? 'callback' : 'other'));
    const callbacks = sequence.filter((kind) => kind === 'callback').length;
    expect(callbacks).toBe(burst.length);
    expect(sequence.indexOf('other')).toBe(burst.length);
  });
});
