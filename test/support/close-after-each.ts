/**
 * Call once at the top level of a test file (or a describe). Resources passed to the returned
 * function are closed after each test, last started first (a bot before the fake it talks to), so
 * no test leaves a server, a store or a timer behind for the next.
 */
import { afterEach } from 'vitest';

export const closeAfterEach = (): (<T>(
  resource: T,
  close: (resource: T) => Promise<void>,
) => T) => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  return (resource, close) => {
    closers.push(() => close(resource));
    return resource;
  };
};
