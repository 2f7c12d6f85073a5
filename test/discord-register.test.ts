/**
 * Command registration against the fake Discord: the JSON Discord receives, and that nothing is
 * sent when what is registered already matches. The script itself runs as an operator runs it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRest } from '#adapters/discord/messenger.js';
import { registerCommands } from '#adapters/discord/register.js';
import { loadCommands, loadMessageActions } from '#commands/registry.js';
import { ModelCatalogue } from '#core/models.js';
import { startFakeDiscord, type FakeDiscord } from '#test/fakes/discord/index.js';

const run = promisify(execFile);
let discord: FakeDiscord;

beforeEach(async () => {
  discord = await startFakeDiscord();
});

afterEach(async () => {
  await discord.close();
});

const register = async (guildId?: string) =>
  registerCommands({
    rest: createRest({ token: discord.token, apiBaseUrl: discord.restApi }),
    guildId,
    commands: await loadCommands(),
    messageActions: await loadMessageActions(),
    catalogue: new ModelCatalogue(),
  });

describe('registering Discord commands', () => {
  it('puts localised definitions globally, with /quota-admin limited to Manage Server', async () => {
    const outcome = await register();

    expect(outcome).toEqual({
      action: 'updated',
      scope: 'global',
      names: ['/imagine-settings', '/imagine', '/quota-admin', '/quota', 'Edit image'],
    });
    const registered = discord.world.registeredCommands(undefined);
    const byName = Object.fromEntries(registered.map((command) => [command.name, command]));
    expect(byName['quota-admin']?.default_member_permissions).toBe('32');
    expect(byName.imagine?.default_member_permissions).toBeNull();
    expect(byName.imagine?.name_localizations).toEqual({ ko: '이미지' });
    const options = byName.imagine?.options as Array<Record<string, unknown>>;
    expect(options[0]).toMatchObject({ name: 'prompt', type: 3, required: true, max_length: 6000 });
    expect(options.find((option) => option.name === 'model')?.choices).toContainEqual({
      name: 'dall-e-3',
      value: 'dall-e-3',
    });
    expect(
      options
        .filter((option) => option.type === 11)
        .map((option) => [option.name, option.required]),
    ).toEqual([
      ['image', false],
      ['image2', false],
      ['image3', false],
      ['image4', false],
    ]);
    expect(byName['Edit image']).toMatchObject({
      type: 3,
      name_localizations: { ko: '이미지 편집' },
      contexts: [0],
    });
    const subcommands = byName['quota-admin']?.options as Array<{ name: string; type: number }>;
    expect(subcommands.map(({ name, type }) => [name, type])).toEqual([
      ['guild-limit', 1],
      ['user-limit', 1],
      ['role-limit', 1],
      ['grant', 1],
      ['reset', 1],
      ['show', 1],
      ['report', 1],
    ]);
    expect(byName['imagine-settings']?.default_member_permissions).toBe('32');
    const settings = byName['imagine-settings']?.options as Array<Record<string, unknown>>;
    expect(settings.map(({ name, type }) => [name, type])).toEqual([
      ['show', 1],
      ['limits', 1],
      ['moderation', 1],
      ['cooldown', 1],
      ['audit-channel', 1],
      ['channels', 2],
      ['blocked', 2],
    ]);
    const channels = settings.find((option) => option.name === 'channels')?.options as Array<
      Record<string, unknown>
    >;
    expect(channels[0]).toMatchObject({
      name: 'allow',
      type: 1,
      options: [{ name: 'channel', type: 7, required: true, channel_types: [0, 5] }],
    });
  });

  it('sends nothing when the registered commands already match', async () => {
    await register();

    const second = await register();

    expect(second.action).toBe('unchanged');
    expect(discord.world.commandWrites).toHaveLength(1);
  });

  it('registers again when a definition changed', async () => {
    await register();
    const [first] = discord.world.registeredCommands(undefined);
    first!.description = 'an older description';

    expect((await register()).action).toBe('updated');
    expect(discord.world.commandWrites).toHaveLength(2);
  });

  it('runs as npm run register into the dev guild, then reports it is up to date', async () => {
    const guild = discord.addGuild('Dev', discord.addUser('developer'));
    const env = {
      PATH: process.env.PATH,
      DISCORD_TOKEN: discord.token,
      DISCORD_API_BASE_URL: discord.restApi,
      DISCORD_DEV_GUILD_ID: guild.id,
      IMAGES_API_KEY: 'unused-by-register',
    };
    const script = () =>
      run(process.execPath, ['--import', 'tsx', 'scripts/register.ts'], { env, timeout: 20_000 });

    const first = await script();
    const second = await script();

    expect(first.stdout).toContain(
      `Registered /imagine-settings, /imagine, /quota-admin, /quota, Edit image (guild ${guild.id}).`,
    );
    expect(second.stdout).toContain('Already registered, nothing sent');
    expect(discord.world.commandWrites.map((write) => write.scope)).toEqual([guild.id]);
    expect(discord.world.registeredCommands(undefined)).toEqual([]);
  });
});
