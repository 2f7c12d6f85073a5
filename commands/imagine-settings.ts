import { UserError } from '#core/errors.js';
import { foldText, termProblem } from '#core/policy/blocked.js';
import { isSize, qualityChoices } from '#core/policy/check.js';
import {
  moderationPolicies,
  type GuildPolicy,
  type ModerationPolicy,
  type PolicySetting,
  type RequestLimits,
} from '#core/policy/types.js';
import type {
  CommandDefinition,
  Localised,
  OptionDefinition,
  SubcommandDefinition,
} from '#adapters/shared/command-context.js';
import { usageLines } from '#adapters/shared/text-options.js';

const channel = (required: boolean, description: Localised): OptionDefinition => ({
  name: 'channel',
  nameKo: '채널',
  type: 'channel',
  required,
  positional: true,
  description,
});
const term: OptionDefinition = {
  name: 'term',
  nameKo: '단어',
  type: 'string',
  required: true,
  positional: true,
  maxLength: 200,
  description: { en: 'A word, or a /regex/ pattern', ko: '단어 또는 /정규식/ 패턴' },
};
const sub = (
  name: string,
  nameKo: string,
  description: Localised,
  options: readonly OptionDefinition[] = [],
): SubcommandDefinition => ({ name, nameKo, description, options });

/** Clears one limit: `any` on the text options, 0 for the count. */
const any = 'any';

const invalid = (problem: string): never => {
  throw new UserError('invalidSetting', { problem });
};

const imagineSettings: CommandDefinition = {
  name: 'imagine-settings',
  nameKo: '이미지-설정',
  description: {
    en: 'Where, what and who may generate in this server',
    ko: '이 서버에서 어디서, 무엇을, 누가 생성할 수 있는지 정합니다',
  },
  adminOnly: true,
  ephemeral: true,
  subcommands: [
    sub('show', '보기', {
      en: 'Show every setting and who set it',
      ko: '모든 설정과 설정한 사람을 봅니다',
    }),
    sub(
      'limits',
      '한도',
      {
        en: 'What members may ask for (no options removes every limit)',
        ko: '회원이 요청할 수 있는 범위 (옵션이 없으면 모든 한도를 없앱니다)',
      },
      [
        {
          name: 'models',
          nameKo: '모델',
          type: 'string',
          description: {
            en: `Allowed models, comma-separated, or ${any}`,
            ko: `허용 모델 (쉼표로 구분) 또는 ${any}`,
          },
        },
        {
          name: 'max-count',
          nameKo: '최대-개수',
          type: 'integer',
          min: 0,
          max: 10,
          description: {
            en: 'Most images per request (0: any)',
            ko: '요청당 최대 이미지 수 (0: 제한 없음)',
          },
        },
        {
          name: 'max-quality',
          nameKo: '최대-품질',
          type: 'string',
          choices: () => [...qualityChoices, any],
          description: { en: 'Highest quality allowed', ko: '허용하는 가장 높은 품질' },
        },
        {
          name: 'max-size',
          nameKo: '최대-크기',
          type: 'string',
          maxLength: 11,
          description: {
            en: `Largest size, WIDTHxHEIGHT, or ${any}`,
            ko: `가장 큰 크기 (가로x세로) 또는 ${any}`,
          },
        },
      ],
    ),
    sub(
      'moderation',
      '검열',
      {
        en: 'Whether moderation low may be asked for',
        ko: 'moderation low 요청을 허용할지 정합니다',
      },
      [
        {
          name: 'mode',
          nameKo: '방식',
          type: 'string',
          required: true,
          positional: true,
          choices: () => moderationPolicies,
          description: {
            en: 'auto, or low allowed in age-restricted channels',
            ko: 'auto, 또는 연령 제한 채널에서 low 허용',
          },
        },
      ],
    ),
    sub(
      'cooldown',
      '대기-시간',
      { en: "The least time between one member's jobs", ko: '한 사람의 요청 사이 최소 시간' },
      [
        {
          name: 'seconds',
          nameKo: '초',
          type: 'integer',
          required: true,
          positional: true,
          min: 0,
          max: 86_400,
          description: { en: 'Seconds (0: none)', ko: '초 (0: 없음)' },
        },
      ],
    ),
    sub(
      'audit-channel',
      '기록-채널',
      {
        en: 'Where every job is reported (none when left out)',
        ko: '모든 작업을 기록할 채널 (비우면 없음)',
      },
      [channel(false, { en: 'The audit channel', ko: '기록 채널' })],
    ),
  ],
  groups: [
    {
      name: 'channels',
      nameKo: '채널',
      description: { en: 'Where the bot may be used', ko: '봇을 쓸 수 있는 채널' },
      subcommands: [
        sub('allow', '허용', { en: 'Allow a channel', ko: '채널을 허용합니다' }, [
          channel(true, { en: 'The channel', ko: '채널' }),
        ]),
        sub(
          'disallow',
          '해제',
          { en: 'Remove a channel from the list', ko: '채널을 목록에서 뺍니다' },
          [channel(true, { en: 'The channel', ko: '채널' })],
        ),
        sub('clear', '비우기', {
          en: 'Allow every channel again',
          ko: '모든 채널을 다시 허용합니다',
        }),
      ],
    },
    {
      name: 'blocked',
      nameKo: '차단',
      description: { en: 'Terms no prompt may contain', ko: '프롬프트에 쓸 수 없는 단어' },
      subcommands: [
        sub('add', '추가', { en: 'Block a term', ko: '단어를 차단합니다' }, [term]),
        sub('remove', '삭제', { en: 'Unblock a term', ko: '단어 차단을 풉니다' }, [term]),
        sub('list', '목록', { en: 'List the blocked terms', ko: '차단한 단어를 봅니다' }),
      ],
    },
  ],
  async execute({ service, requester, options, messages, mention, reply }) {
    // Platforms hide the command from non-managers, but server admins can change who sees it.
    if (!requester.isAdmin) throw new UserError('notAllowed', { command: '/imagine-settings' });
    const admin = service.policyAdmin;
    const { guildId, userId } = requester;
    const values = options.values;
    const text = (name: string) => (values[name] === undefined ? undefined : String(values[name]));
    const save = async (setting: PolicySetting, change: (policy: GuildPolicy) => GuildPolicy) =>
      reply(messages.policySaved(setting, await admin.update(guildId, setting, change, userId)), {
        ephemeral: true,
      });
    const chosenChannel = text('channel');
    switch (`${options.group ?? ''} ${options.subcommand ?? ''}`.trim()) {
      case 'show':
        return reply(messages.policyReport(await admin.read(guildId), mention), {
          ephemeral: true,
        });
      case 'channels allow':
        return save('channels', (policy) => ({
          ...policy,
          channels: [...new Set([...policy.channels, String(chosenChannel)])],
        }));
      case 'channels disallow':
        return save('channels', (policy) => ({
          ...policy,
          channels: policy.channels.filter((id) => id !== chosenChannel),
        }));
      case 'channels clear':
        return save('channels', (policy) => ({ ...policy, channels: [] }));
      case 'blocked add': {
        const added = String(text('term')).trim();
        const problem = termProblem(added);
        if (problem !== undefined)
          invalid(
            {
              empty: 'a term needs at least one letter or digit',
              tooLong: 'a term is at most 200 characters',
              badPattern: `${added} is not a valid regular expression`,
            }[problem],
          );
        return save('blocked', (policy) => ({
          ...policy,
          blocked: policy.blocked.some((known) => foldText(known) === foldText(added))
            ? policy.blocked
            : [...policy.blocked, added],
        }));
      }
      case 'blocked remove': {
        const removed = foldText(String(text('term')).trim());
        return save('blocked', (policy) => ({
          ...policy,
          blocked: policy.blocked.filter((known) => foldText(known) !== removed),
        }));
      }
      case 'blocked list':
        return reply(messages.blockedList((await admin.read(guildId)).policy.blocked), {
          ephemeral: true,
        });
      case 'limits':
        return save('limits', (policy) => ({
          ...policy,
          limits: chosenLimits(policy.limits, text, values['max-count'], service.catalogue.ids()),
        }));
      case 'moderation':
        return save('moderation', (policy) => ({
          ...policy,
          moderation: String(text('mode')) as ModerationPolicy,
        }));
      case 'cooldown':
        return save('cooldown', (policy) => ({
          ...policy,
          cooldownSeconds: Number(values.seconds),
        }));
      case 'audit-channel':
        return save('audit', (policy) => ({ ...policy, auditChannel: chosenChannel ?? null }));
      default:
        // Reached only from a platform still showing an older registration of this command.
        throw new UserError('malformedCommand', {
          problem: `unknown subcommand ${options.subcommand ?? '(none)'}`,
          usage: usageLines(imagineSettings),
        });
    }
  },
};

/** The limits after a `limits` command: each option given replaces its limit; none given clears all. */
const chosenLimits = (
  current: RequestLimits,
  text: (name: string) => string | undefined,
  maxCount: string | number | undefined,
  knownModels: readonly string[],
): RequestLimits => {
  const models = text('models');
  const maxQuality = text('max-quality');
  const maxSize = text('max-size')?.toLowerCase();
  if (
    models === undefined &&
    maxCount === undefined &&
    maxQuality === undefined &&
    maxSize === undefined
  )
    return {};
  const next: RequestLimits = { ...current };
  if (models !== undefined) {
    const ids = models.split(/[\s,]+/).filter((id) => id !== '');
    if (models.trim().toLowerCase() === any) delete next.models;
    else {
      const unknown = ids.filter((id) => !knownModels.includes(id));
      if (ids.length === 0 || unknown.length > 0)
        invalid(
          `unknown model ${unknown.join(', ') || models}: choose from ${knownModels.join(', ')}`,
        );
      next.models = ids;
    }
  }
  if (maxCount !== undefined) {
    if (Number(maxCount) === 0) delete next.maxCount;
    else next.maxCount = Number(maxCount);
  }
  if (maxQuality !== undefined) {
    if (maxQuality === any) delete next.maxQuality;
    else next.maxQuality = maxQuality;
  }
  if (maxSize !== undefined) {
    if (maxSize === any) delete next.maxSize;
    else if (!isSize(maxSize)) invalid(`max-size must be WIDTHxHEIGHT such as 1024x1024 or ${any}`);
    else next.maxSize = maxSize;
  }
  return next;
};

export default imagineSettings;
