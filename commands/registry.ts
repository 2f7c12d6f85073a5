/**
 * Loads every command definition in this folder (one file each, default export) and checks its
 * shape before any platform sees it: a malformed definition fails at start with the file and field
 * named, instead of as a rejected registration or a command that silently never matches.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { CodedError } from '#core/errors.js';
import type { CommandDefinition } from '#adapters/shared/command-context.js';

// Discord's rules, the stricter platform: lowercase names of letters, digits, `-` and `_`.
const name = z.string().regex(/^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$/u, {
  error: 'must be 1-32 lowercase letters, digits, - or _',
});
const localised = z.object({ en: z.string().min(1).max(100), ko: z.string().min(1).max(100) });
const option = z
  .object({
    name,
    nameKo: name,
    type: z.enum(['string', 'integer', 'user', 'channel', 'role']),
    description: localised,
    required: z.boolean().optional(),
    choices: z.function().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    maxLength: z.number().int().min(1).max(6000).optional(),
    positional: z.boolean().optional(),
  })
  .strict();
const optionList = z
  .array(option)
  .max(25)
  .refine(
    (options) =>
      options.every(
        (o, index) => o.required || options.slice(index + 1).every((later) => !later.required),
      ),
    {
      error: 'required options must come before optional ones',
    },
  )
  .refine((options) => new Set(options.map((o) => o.name)).size === options.length, {
    error: 'option names must be unique',
  });
const subcommand = z
  .object({ name, nameKo: name, description: localised, options: optionList })
  .strict();
const command = z
  .object({
    name,
    nameKo: name,
    description: localised,
    options: optionList.optional(),
    subcommands: z.array(subcommand).min(1).max(25).optional(),
    groups: z
      .array(
        z
          .object({
            name,
            nameKo: name,
            description: localised,
            subcommands: z.array(subcommand).min(1).max(25),
          })
          .strict(),
      )
      .min(1)
      .optional(),
    adminOnly: z.boolean().optional(),
    ephemeral: z.boolean().optional(),
    execute: z.function(),
  })
  .strict()
  .refine((definition) => !(definition.options && (definition.subcommands || definition.groups)), {
    error: 'a command has options or subcommands, not both',
  })
  .refine(
    (definition) => (definition.subcommands?.length ?? 0) + (definition.groups?.length ?? 0) <= 25,
    { error: 'at most 25 subcommands and groups together' },
  )
  .refine(
    (definition) => {
      const names = [...(definition.subcommands ?? []), ...(definition.groups ?? [])].map(
        (entry) => entry.name,
      );
      return new Set(names).size === names.length;
    },
    { error: 'subcommand and group names must be unique' },
  );

const commandsFolder = fileURLToPath(new URL('.', import.meta.url));
const isDefinitionFile = (file: string) =>
  /\.(ts|js)$/.test(file) && !/^registry\./.test(file) && !file.endsWith('.d.ts');

/** Checks one definition; throws naming the source and every bad field. */
export const checkCommand = (candidate: unknown, source: string): CommandDefinition => {
  const parsed = command.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(definition)'}: ${issue.message}`,
    );
    throw new CodedError(
      'commands.invalidDefinition',
      `Command definition ${source} is not valid:\n  - ${problems.join('\n  - ')}`,
    );
  }
  return candidate as CommandDefinition;
};

export const loadCommands = async (): Promise<CommandDefinition[]> => {
  const files = (await readdir(commandsFolder)).filter(isDefinitionFile).sort();
  const commands = await Promise.all(
    files.map(async (file) => {
      const module = (await import(pathToFileURL(`${commandsFolder}${file}`).href)) as {
        default?: unknown;
      };
      return checkCommand(module.default, file);
    }),
  );
  const names = commands.map((definition) => definition.name);
  const duplicate = names.find((candidate, index) => names.indexOf(candidate) !== index);
  if (duplicate !== undefined)
    throw new CodedError(
      'commands.duplicateName',
      `Two command definitions are named ${duplicate}`,
    );
  return commands;
};
