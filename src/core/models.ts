/**
 * The catalogue of models the OpenAI-compatible Images API documents, and the
 * rules each enforces, as the openai SDK's types (v6.49) describe them. Operators extend it through
 * IMAGES_EXTRA_MODELS for models a gateway adds or names differently.
 */

export type ModelFamily =
  'gpt-image' | 'gpt-image-mini' | 'gpt-image-2' | 'dall-e-2' | 'dall-e-3' | 'custom';

/** The image types the Images API reads as input. */
export type InputImageType = 'image/png' | 'image/jpeg' | 'image/webp';

/** What a model takes as input images on `/images/edits` (and `/images/variations`). */
export interface InputRules {
  maxImages: number;
  /** Per image. */
  maxBytes: number;
  types: readonly InputImageType[];
  /** dall-e-2 edits only square images. */
  square: boolean;
}

/**
 * gpt-image-2's sizes: any `WIDTHxHEIGHT` whose sides are multiples of `multipleOf`, whose aspect
 * ratio is within `maxAspect`:1 either way, whose long side is at most `maxLongEdge` and whose area
 * is at most `maxPixels` (3840x2160).
 */
export interface FlexibleSizes {
  multipleOf: number;
  maxAspect: number;
  maxLongEdge: number;
  maxPixels: number;
}

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
  /** Set when the model takes sizes other than those listed (which are then suggestions). */
  flexibleSizes?: FlexibleSizes;
  /** Whether `output_compression` is honoured (with `jpeg` and `webp`). */
  outputCompression: boolean;
  /** Whether `/images/edits` takes `input_fidelity`. */
  inputFidelity: boolean;
  /** Undefined when the model cannot work from an input image (dall-e-3). */
  inputs?: InputRules;
  /** Whether `/images/variations` serves it (only dall-e-2). */
  variations: boolean;
}

const mebibytes = (count: number) => count * 1024 * 1024;

const gptImageInputs: InputRules = {
  maxImages: 16,
  maxBytes: mebibytes(50),
  types: ['image/png', 'image/jpeg', 'image/webp'],
  square: false,
};

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
  outputCompression: true,
  inputFidelity: true,
  inputs: gptImageInputs,
  variations: false,
});

/** The same, but `input_fidelity` is not accepted. */
const gptImageMini = (id: string): ModelRules => ({
  ...gptImage(id),
  family: 'gpt-image-mini',
  inputFidelity: false,
});

/** Arbitrary sizes within its limits, and no transparent background. */
const gptImage2 = (id: string): ModelRules => ({
  ...gptImage(id),
  family: 'gpt-image-2',
  sizes: ['1024x1024', '1536x1024', '1024x1536', '2048x2048', '2560x1440', '3840x2160', 'auto'],
  backgrounds: ['opaque', 'auto'],
  flexibleSizes: { multipleOf: 16, maxAspect: 3, maxLongEdge: 3840, maxPixels: 3840 * 2160 },
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
  outputCompression: false,
  inputFidelity: false,
  inputs: { maxImages: 1, maxBytes: mebibytes(4), types: ['image/png'], square: true },
  variations: true,
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
  outputCompression: false,
  inputFidelity: false,
  variations: false,
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
  outputCompression: false,
  inputFidelity: false,
  // The gateway judges its own inputs; the bot only keeps to what any Images API takes.
  inputs: gptImageInputs,
  variations: false,
});

const builtIn: readonly ModelRules[] = [
  dallE2,
  dallE3,
  gptImage('gpt-image-1'),
  gptImage('gpt-image-1.5'),
  gptImageMini('gpt-image-1-mini'),
  gptImage2('gpt-image-2'),
];

const rulesOfFamily = (family: ModelFamily, id: string): ModelRules => {
  switch (family) {
    case 'gpt-image':
      return gptImage(id);
    case 'gpt-image-mini':
      return gptImageMini(id);
    case 'gpt-image-2':
      return gptImage2(id);
    case 'dall-e-2':
      return { ...dallE2, id };
    case 'dall-e-3':
      return { ...dallE3, id };
    case 'custom':
      return customModel(id);
  }
};

const modelFamilies: readonly ModelFamily[] = [
  'gpt-image',
  'gpt-image-mini',
  'gpt-image-2',
  'dall-e-2',
  'dall-e-3',
  'custom',
];

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
