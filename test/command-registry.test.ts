import { describe, expect, it } from 'vitest';
import { checkCommand, loadCommands } from '#commands/registry.js';

describe('command registry', () => {
  it('loads one definition per file in commands/', async () => {
    expect((await loadCommands()).map((command) => command.name).sort()).toEqual([
      'imagine',
      'imagine-settings',
      'quota',
      'quota-admin',
    ]);
  });

  it('names the file and every bad field of a malformed definition', () => {
    expect(() =>
      checkCommand(
        {
          name: 'Imagine Now',
          nameKo: '이미지',
          description: { en: 'x' },
          options: [
            { name: 'size', nameKo: '크기', type: 'string', description: { en: 'a', ko: 'b' } },
            {
              name: 'prompt',
              nameKo: '프롬프트',
              type: 'string',
              required: true,
              description: { en: 'a', ko: 'b' },
            },
          ],
          execute: async () => {},
        },
        'broken.ts',
      ),
    ).toThrow(
      /Command definition broken\.ts is not valid:\n {2}- name: must be 1-32 lowercase letters, digits, - or _\n {2}- description\.ko: .*\n {2}- options: required options must come before optional ones/,
    );
  });

  it('refuses a definition without an execute function', () => {
    expect(() =>
      checkCommand({ name: 'x', nameKo: 'x', description: { en: 'a', ko: 'b' } }, 'x.ts'),
    ).toThrow(/execute/);
  });
});
