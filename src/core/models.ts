/**
 * The catalogue of models the OpenAI-compatible Images API documents, and the
 * rules each enforces. Operators extend it through IMAGES_EXTRA_MODELS for models a gateway adds.
 */

export type ModelFamily = 'gpt-image' | 'dall-e-2' | 'dall-e-3' | 'custom';

export interface ModelRules {
  id: string;
  family: ModelFamily;
  /** Sizes accepted; a `custom` model accepts any `WIDTHxHEIGHT` or `auto`, so this lists suggestions. */
  sizes: readonly string[];
  defaultSize: string;
  maxCount: number;
  maxPromptLength: number;
  qualities: readonly string[];
  /** Empty when the model takes no style option; likewise backgrounds, moderation and output formats. */
  styles: readonly string[];
  backgrounds: readonly string[];
  moderations: readonly string[];
  outputFormats: readonly string[];
  streaming: boolean;
}

const gptImage = (id: string): ModelRules => ({
  id,
  family: 'gpt-image',
  sizes: ['1024x1024', '1536x1024', '1024x1536', 'auto'],
  defaultSize: 'auto',
  maxCount: 10,
  maxPromptLength: 32_000,
  qualities: ['low', 'medium', 'high', 'auto'],
  styles: [],
  backgrounds: ['transparent', 'opaque', 'auto'],
  moderations: ['low', 'auto'],
  outputFormats: ['png', 'jpeg', 'webp'],
  streaming: true,
});

const dallE2: ModelRules = {
  id: 'dall-e-2',
  family: 'dall-e-2',
  sizes: ['256x256', '512x512', '1024x1024'],
  defaultSize: '1024x1024',
  maxCount: 10,
  maxPromptLength: 1_000,
  qualities: ['standard'],
  styles: [],
  backgrounds: [],
  moderations: [],
  outputFormats: [],
  streaming: false,
};

const dallE3: ModelRules = {
  id: 'dall-e-3',
  family: 'dall-e-3',
  sizes: ['1024x1024', '1792x1024', '1024x1792'],
  defaultSize: '1024x1024',
  maxCount: 1,
  maxPromptLength: 4_000,
  qualities: ['standard', 'hd'],
  styles: ['vivid', 'natural'],
  backgrounds: [],
  moderations: [],
  outputFormats: [],
  streaming: false,
};

/** Rules for a model the catalogue does not know: lenient, leaving the gateway to judge. */
const customModel = (id: string): ModelRules => ({
  id,
  family: 'custom',
  sizes: ['1024x1024', 'auto'],
  defaultSize: 'auto',
  maxCount: 10,
  maxPromptLength: 32_000,
  qualities: [],
  styles: [],
  backgrounds: [],
  moderations: [],
  outputFormats: [],
  streaming: false,
});

const builtIn: readonly ModelRules[] = [
  dallE2,
  dallE3,
  gptImage('gpt-image-1'),
  gptImage('gpt-image-1.5'),
  gptImage('gpt-image-1-mini'),
];

const rulesOfFamily = (family: ModelFamily, id: string): ModelRules => {
  switch (family) {
    case 'gpt-image':
      return gptImage(id);
    case 'dall-e-2':
      return { ...dallE2, id };
    case 'dall-e-3':
      return { ...dallE3, id };
    case 'custom':
      return customModel(id);
  }
};

const modelFamilies: readonly ModelFamily[] = ['gpt-image', 'dall-e-2', 'dall-e-3', 'custom'];

/** An operator's extra model: an id, and the family whose rules it follows (`custom` when unsaid). */
export interface ExtraModel {
  id: string;
  family: ModelFamily;
}

/**
 * Parses IMAGES_EXTRA_MODELS: comma-separated `id` or `id=family` entries, such as
 * `flux-pro, my-gpt=gpt-image`. Returns the problems instead of throwing so the env module can
 * report them with every other bad variable.
 */
export const parseExtraModels = (text: string): { models: ExtraModel[]; problems: string[] } => {
  const models: ExtraModel[] = [];
  const problems: string[] = [];
  for (const entry of text.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const [id = '', family = 'custom', ...rest] = entry.split('=').map((part) => part.trim());
    if (id === '' || rest.length > 0 || !/^[\w.:/-]+$/.test(id)) {
      problems.push(`"${entry}" is not an id or id=family`);
    } else if (!(modelFamilies as readonly string[]).includes(family)) {
      problems.push(`"${entry}": family must be one of ${modelFamilies.join(', ')}`);
    } else {
      models.push({ id, family: family as ModelFamily });
    }
  }
  return { models, problems };
};

/** The options whose allowed values a model lists. */
export type ChoiceOption = 'sizes' | 'qualities' | 'backgrounds' | 'styles' | 'moderations';

export class ModelCatalogue {
  readonly #rules: Map<string, ModelRules>;

  constructor(extraModels: readonly ExtraModel[] = []) {
    this.#rules = new Map(builtIn.map((rules) => [rules.id, rules]));
    for (const extra of extraModels)
      this.#rules.set(extra.id, rulesOfFamily(extra.family, extra.id));
  }

  get(id: string): ModelRules | undefined {
    return this.#rules.get(id);
  }

  ids(): string[] {
    return [...this.#rules.keys()];
  }

  all(): ModelRules[] {
    return [...this.#rules.values()];
  }

  /** Every value any model accepts for one option, for a platform's fixed choice list. */
  choicesFor(option: ChoiceOption): string[] {
    return [...new Set(this.all().flatMap((rules) => rules[option]))];
  }
}
