/**
 * The setup every service test file shares: harnesses started through the returned function are
 * closed after each test, so no test leaves a server, a store or a timer behind for the next.
 */
import { closeAfterEach } from './close-after-each.js';
import { startHarness, type Harness, type HarnessOptions } from './service-harness.js';

/**
 * Call once at the top level of a test file. `defaults` apply to every harness the file starts;
 * a test's own options replace them field by field.
 */
export const harnessPerTest = (
  defaults: HarnessOptions = {},
): ((options?: HarnessOptions) => Promise<Harness>) => {
  const closeLater = closeAfterEach();
  return async (options = {}) =>
    closeLater(await startHarness({ ...defaults, ...options }), (harness) => harness.close());
};
