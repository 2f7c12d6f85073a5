import type { CommandDefinition } from '#adapters/shared/command-context.js';

const quota: CommandDefinition = {
  name: 'quota',
  nameKo: '사용량',
  description: {
    en: 'Show how many images you and this server have left',
    ko: '나와 이 서버의 남은 이미지 수를 봅니다',
  },
  ephemeral: true,
  async execute({ service, requester, messages, reply }) {
    const standing = await service.standing(requester.guildId, requester.userId, requester.roleIds);
    await reply(messages.quotaStanding(standing), { ephemeral: true });
  },
};

export default quota;
