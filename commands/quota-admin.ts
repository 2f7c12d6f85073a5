import { UserError } from '#core/errors.js';
import { quotaPeriods, type QuotaPeriod } from '#core/quota/types.js';
import type { CommandDefinition, OptionDefinition } from '#adapters/shared/command-context.js';
import { MalformedCommandError } from '#adapters/shared/command-problems.js';
import { usageLines } from '#adapters/shared/text-options.js';
import { renderUsageChart, usageChartData, usageChartSpec } from '#adapters/shared/usage-chart.js';

/** Far above any real quota, and far below where stores lose precision. */
const mostImages = 1_000_000;

const limit: OptionDefinition = {
  name: 'limit',
  nameKo: '한도',
  type: 'integer',
  required: true,
  positional: true,
  min: 0,
  max: mostImages,
  description: { en: 'Images allowed per period', ko: '기간당 허용 이미지 수' },
};
const period: OptionDefinition = {
  name: 'period',
  nameKo: '기간',
  type: 'string',
  required: true,
  positional: true,
  choices: () => quotaPeriods,
  description: { en: 'Period the limit counts over (UTC)', ko: '한도를 세는 기간 (UTC)' },
};
const user = (required: boolean, description: { en: string; ko: string }): OptionDefinition => ({
  name: 'user',
  nameKo: '사용자',
  type: 'user',
  required,
  positional: true,
  description,
});

const reportDefaultDays = 30;
/** Daily usage is kept as long as quota counters: 35 days. */
const reportMaxDays = 35;
const chartSize = { width: 1000, height: 500 };

const quotaAdmin: CommandDefinition = {
  name: 'quota-admin',
  nameKo: '사용량-관리',
  description: {
    en: "Manage this server's image quotas",
    ko: '이 서버의 이미지 사용량 한도를 관리합니다',
  },
  adminOnly: true,
  ephemeral: true,
  subcommands: [
    {
      name: 'guild-limit',
      nameKo: '서버-한도',
      description: { en: 'Set the limit for the whole server', ko: '서버 전체 한도를 정합니다' },
      options: [limit, period],
    },
    {
      name: 'user-limit',
      nameKo: '사용자-한도',
      description: {
        en: "Set the default per-user limit, or one user's",
        ko: '사용자 기본 한도 또는 한 사용자의 한도를 정합니다',
      },
      options: [
        limit,
        period,
        user(false, { en: 'Only this user (default: everyone)', ko: '이 사용자만 (기본: 모두)' }),
      ],
    },
    {
      name: 'role-limit',
      nameKo: '역할-한도',
      description: {
        en: "Set the per-user limit for a role's members (Discord)",
        ko: '역할 회원의 사용자 한도를 정합니다 (Discord)',
      },
      options: [
        {
          name: 'role',
          nameKo: '역할',
          type: 'role',
          required: true,
          positional: true,
          description: {
            en: 'The role; the most generous of a member’s roles applies',
            ko: '역할 (여러 역할이면 가장 넉넉한 한도)',
          },
        },
        limit,
        period,
      ],
    },
    {
      name: 'grant',
      nameKo: '추가',
      description: {
        en: 'Give a user extra images this period',
        ko: '이번 기간에 사용자에게 이미지를 더 줍니다',
      },
      options: [
        user(true, { en: 'Who gets the extra images', ko: '추가로 받을 사용자' }),
        {
          name: 'amount',
          nameKo: '수량',
          type: 'integer',
          required: true,
          positional: true,
          min: 1,
          max: mostImages,
          description: { en: 'How many extra images', ko: '추가할 이미지 수' },
        },
      ],
    },
    {
      name: 'reset',
      nameKo: '초기화',
      description: { en: "Clear this period's usage", ko: '이번 기간 사용량을 초기화합니다' },
      options: [
        user(false, {
          en: 'Only this user (default: the whole server)',
          ko: '이 사용자만 (기본: 서버 전체)',
        }),
      ],
    },
    {
      name: 'show',
      nameKo: '보기',
      description: {
        en: 'Show limits, usage and top users',
        ko: '한도, 사용량, 많이 쓴 사용자를 봅니다',
      },
      options: [user(false, { en: "Show this user's standing", ko: '이 사용자의 현황을 봅니다' })],
    },
    {
      name: 'report',
      nameKo: '보고서',
      description: {
        en: 'Chart images per day by top users, with spend',
        ko: '많이 쓴 사용자별 일일 이미지 수와 사용 금액을 차트로 봅니다',
      },
      options: [
        {
          name: 'days',
          nameKo: '일수',
          type: 'integer',
          required: false,
          positional: true,
          min: 1,
          max: reportMaxDays,
          description: {
            en: `How many days back (default ${reportDefaultDays})`,
            ko: `며칠 전까지 (기본 ${reportDefaultDays}일)`,
          },
        },
      ],
    },
  ],
  async execute({ service, requester, options, messages, mention, reply }) {
    // Platforms hide the command from non-managers, but server admins can change who sees it.
    if (!requester.isAdmin) throw new UserError('notAllowed', { command: '/quota-admin' });
    const admin = service.quotaAdmin;
    const { guildId } = requester;
    const values = options.values;
    const userId = values.user === undefined ? undefined : String(values.user);
    const periodLimit = () => ({
      limit: Number(values.limit),
      period: String(values.period) as QuotaPeriod,
    });
    switch (options.subcommand) {
      case 'guild-limit': {
        const chosen = periodLimit();
        await admin.setGuildLimit(guildId, chosen);
        return reply(messages.guildLimitSet(chosen.limit, chosen.period), { ephemeral: true });
      }
      case 'user-limit': {
        const chosen = periodLimit();
        await admin.setUserLimit(guildId, userId, chosen);
        return reply(
          messages.userLimitSet(userId && mention(userId), chosen.limit, chosen.period),
          { ephemeral: true },
        );
      }
      case 'role-limit': {
        const chosen = periodLimit();
        const roleId = String(values.role);
        await admin.setRoleLimit(guildId, roleId, chosen);
        return reply(messages.roleLimitSet(roleId, chosen.limit, chosen.period), {
          ephemeral: true,
        });
      }
      case 'grant': {
        const amount = Number(values.amount);
        await admin.grant(guildId, String(userId), amount);
        return reply(messages.granted(mention(String(userId)), amount), { ephemeral: true });
      }
      case 'reset':
        await admin.reset(guildId, userId);
        return reply(messages.resetDone(userId && mention(userId)), { ephemeral: true });
      case 'show':
        return reply(
          userId === undefined
            ? messages.quotaReport(await admin.report(guildId), mention)
            : `${mention(userId)}\n${messages.quotaStanding(await service.standing(guildId, userId))}`,
          { ephemeral: true },
        );
      case 'report': {
        const days = values.days === undefined ? reportDefaultDays : Number(values.days);
        const data = usageChartData(await admin.history(guildId, days));
        const chart = await renderUsageChart(
          usageChartSpec(data, chartSize, messages.chartLabels()),
          chartSize,
        );
        return reply(messages.usageReport(days, data, mention), {
          ephemeral: true,
          files: [{ name: `usage-${days}d.png`, bytes: chart }],
        });
      }
      default:
        // Reached only from a platform still showing an older registration of this command.
        throw new MalformedCommandError(
          {
            kind: 'unknownSubcommand',
            value: options.subcommand ?? '',
            allowed: quotaAdmin.subcommands?.map((sub) => sub.name) ?? [],
          },
          usageLines(quotaAdmin),
        );
    }
  },
};

export default quotaAdmin;
