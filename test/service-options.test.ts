import { describe, expect, it } from 'vitest';
import { ModelCatalogue } from '#core/models.js';
import { createFairQueue } from '#core/queue/fair-queue.js';
import { OptionsError } from '#core/queue/options.js';
import { createQuotas } from '#core/quota/quota-service.js';
import { createGenerationService, type GenerationServiceOptions } from '#core/service.js';
import { openStore } from '#store/open-store.js';
import { createResultArchive } from '#store/results.js';
import { RecordingReporter } from './support/recording-reporter.js';
import { testQueue } from './support/service-harness.js';

const validOptions = async (): Promise<GenerationServiceOptions> => {
  const store = await openStore('memory://');
  return {
    images: { generate: () => Promise.reject(new Error('not called in these tests')) },
    quotas: createQuotas({
      ledger: store.ledger,
      defaults: { guildLimit: null, userLimit: null, period: 'day', guildTokenBudget: null },
    }),
    catalogue: new ModelCatalogue(),
    defaultModel: 'gpt-image-1.5',
    queue: testQueue,
    reporters: { discord: new RecordingReporter() },
    results: createResultArchive(store.kv),
    userSalt: 'salt',
  };
};

const problemsOf = (build: () => unknown): readonly string[] => {
  try {
    build();
  } catch (error) {
    if (error instanceof OptionsError) return error.problems;
    throw error;
  }
  throw new Error('expected the options to be refused');
};

describe('generation service options', () => {
  it('starts with valid options and reports its catalogue and default model', async () => {
    const service = createGenerationService(await validOptions());
    expect(service.defaultModel).toBe('gpt-image-1.5');
    expect(service.catalogue.get('dall-e-3')?.maxCount).toBe(1);
    await service.shutdown();
  });

  it('names every bad field at once', async () => {
    const options = await validOptions();
    const problems = problemsOf(() =>
      createGenerationService({
        ...options,
        queue: { ...options.queue, concurrency: 0, jobDeadlineMs: 1.5, shutdownGraceMs: 2 ** 31 },
        userSalt: '',
        partialImages: 7,
        images: {} as GenerationServiceOptions['images'],
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'images must be an object with generate',
        'queue.concurrency must be a whole number >= 1',
        'queue.jobDeadlineMs must be a whole number >= 1',
        'queue.shutdownGraceMs must be at most 2147483647 ms (about 24 days)',
        'userSalt must not be empty',
        'partialImages must be a whole number from 0 to 3',
      ]),
    );
  });

  it('refuses a default model the catalogue does not have, listing the choices', async () => {
    const options = await validOptions();
    expect(() => createGenerationService({ ...options, defaultModel: 'dall-e-9' })).toThrow(
      /defaultModel dall-e-9 is not in the catalogue: choose dall-e-2, dall-e-3/,
    );
  });

  it('refuses queue options that cannot work, naming the field', () => {
    expect(() =>
      createFairQueue({
        concurrency: 2,
        imagesPerMinute: 0,
        maxPendingPerGuild: 10,
        maxPendingPerUser: 1,
        handlers: { run: async () => {}, dropped: async () => {}, moved: () => {} },
      }),
    ).toThrow(/imagesPerMinute must be a whole number >= 1/);
  });
});
