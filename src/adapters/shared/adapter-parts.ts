import type { IntakeRegister } from '#core/intake.js';
import type { Logger } from '#core/log.js';
import type { ResultArchive } from '#core/result-archive.js';
import type { GenerationService } from '#core/service-api.js';
import type { CommandDefinition } from './command-context.js';

/** What every platform adapter is started with, from the composition root. */
export interface AdapterParts {
  service: GenerationService;
  /** Where delivered results are remembered, so they can be made again. */
  archive: ResultArchive;
  /** The shared command definitions, loaded once by the caller. */
  commands: readonly CommandDefinition[];
  /** Where each platform request is admitted once. */
  intake: IntakeRegister;
  logger: Logger;
}
