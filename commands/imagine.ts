import type { ChoiceOption } from '#core/models.js';
import type {
  CommandDefinition,
  Localised,
  OptionDefinition,
} from '#adapters/shared/command-context.js';

/** An option whose choices are every value some model in the catalogue accepts. */
const catalogueChoice = (
  name: string,
  nameKo: string,
  values: ChoiceOption,
  description: Localised,
): OptionDefinition => ({
  name,
  nameKo,
  type: 'string',
  choices: (catalogue) => catalogue.choicesFor(values),
  description,
});

const imagine: CommandDefinition = {
  name: 'imagine',
  nameKo: '이미지',
  description: { en: 'Generate images from a prompt', ko: '프롬프트로 이미지를 만듭니다' },
  options: [
    {
      name: 'prompt',
      nameKo: '프롬프트',
      type: 'string',
      required: true,
      positional: true,
      // Discord's ceiling for a string option; each model's own limit is checked by the core.
      maxLength: 6000,
      description: { en: 'What to draw', ko: '그릴 내용' },
    },
    {
      name: 'model',
      nameKo: '모델',
      type: 'string',
      choices: (catalogue) => catalogue.ids(),
      description: { en: 'Image model', ko: '이미지 모델' },
    },
    catalogueChoice('size', '크기', 'sizes', {
      en: 'Image size (depends on the model)',
      ko: '이미지 크기 (모델마다 다름)',
    }),
    catalogueChoice('quality', '품질', 'qualities', { en: 'Rendering quality', ko: '렌더링 품질' }),
    {
      name: 'count',
      nameKo: '개수',
      type: 'integer',
      min: 1,
      max: 10,
      description: { en: 'How many images (1 to 10)', ko: '이미지 개수 (1~10)' },
    },
    catalogueChoice('background', '배경', 'backgrounds', {
      en: 'Background (gpt-image models)',
      ko: '배경 (gpt-image 모델)',
    }),
    catalogueChoice('style', '스타일', 'styles', {
      en: 'Style (dall-e-3)',
      ko: '스타일 (dall-e-3)',
    }),
    catalogueChoice('moderation', '검열', 'moderations', {
      en: 'Content moderation (gpt-image models; low only where the server allows it)',
      ko: '콘텐츠 검열 (gpt-image 모델, low는 서버가 허용한 곳에서만)',
    }),
  ],
  async execute({ service, requester, options, delivery }) {
    const text = (name: string) => {
      const value = options.values[name];
      return value === undefined ? undefined : String(value);
    };
    // Progress, results and failures reach the user through the platform's job reporter.
    await service.submit(
      {
        prompt: text('prompt'),
        model: text('model'),
        size: text('size'),
        quality: text('quality'),
        count: options.values.count,
        background: text('background'),
        style: text('style'),
        moderation: text('moderation'),
      },
      requester,
      delivery,
    );
  },
};

export default imagine;
