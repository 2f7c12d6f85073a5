/**
 * The setup every service test file shares: harnesses started through the returned function are
 * closed after each test, so no test leaves a server, a store or a timer behind for the next.
 */
import { afterEach } from 'vitest';
import { startHarness, type Harness, type HarnessOptions } from './service-harness.js';

/**
 * Call once at the top level of a test file. `defaults` apply to every harness the file starts;
 * a test's own options replace them field by field.
 */
export const harnessPerTest = (
  defaults: HarnessOptions = {},
): ((options?: HarnessOptions) => Promise<Harness>) => {
  const started: Harness[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((harness) => harness.close()));
  });
  return async (options = {}) => {
    const harness = await startHarness({ ...defaults, ...options });
    started.push(harness);
    return harness;
  };
};
