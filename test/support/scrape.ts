/**
 * Reads the bot's operator endpoints over real HTTP on loopback, and turns a Prometheus text
 * exposition into numbers by series, so tests can compare two scrapes.
 */

/** `name{labels}` -> value, for every sample line; comments and blank lines are skipped. Pure. */
export const parseExposition = (text: string): Map<string, number> =>
  new Map(
    text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => {
        const cut = line.lastIndexOf(' ');
        return [line.slice(0, cut), Number(line.slice(cut + 1))] as const;
      }),
  );

/**
 * What changed from `before` to `after`, by series, leaving out what moves by itself (the process
 * metrics) and what depends on timing (histogram buckets and sums; their counts stay in).
 */
export const movedSeries = (
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): Record<string, number> => {
  const moved: Record<string, number> = {};
  for (const [series, value] of after) {
    const name = series.split('{')[0]!;
    if (/^imagine_(process|nodejs)_/.test(name) || /_(bucket|sum)$/.test(name)) continue;
    const delta = value - (before.get(series) ?? 0);
    // Dollar amounts are sums of floats: compare them to a micro-dollar.
    if (Math.abs(delta) > 1e-9) moved[series] = Math.round(delta * 1e6) / 1e6;
  }
  return moved;
};

export interface HttpAnswer {
  status: number;
  body: string;
  contentType: string | null;
}

export const get = async (port: number, path: string): Promise<HttpAnswer> => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return {
    status: response.status,
    body: await response.text(),
    contentType: response.headers.get('content-type'),
  };
};

export const scrape = async (port: number): Promise<Map<string, number>> =>
  parseExposition((await get(port, '/metrics')).body);

/** Polls `probe` every 50 ms until it returns true; throws naming `what` after `timeoutMs`. */
export const waitUntil = async (
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
