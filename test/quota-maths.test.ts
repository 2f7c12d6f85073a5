import { describe, expect, it } from 'vitest';
import {
  admits,
  allowanceOf,
  emptyCounter,
  pruneHolds,
  commitHold,
  usedOf,
  withHold,
  withoutHold,
  type CounterRecord,
} from '#core/quota/counter.js';
import { periodWindow, previousWindow } from '#core/quota/periods.js';
import { quotaKeys } from '#core/quota/quota-keys.js';

const at = (iso: string) => Date.parse(iso);
const counter = (partial: Partial<CounterRecord>): CounterRecord => ({
  ...emptyCounter(),
  ...partial,
});

describe('period windows (UTC)', () => {
  it('a day runs from midnight to midnight UTC', () => {
    const window = periodWindow('day', at('2026-11-26T23:59:59.999Z'));
    expect(window).toEqual({
      key: 'day:2026-11-26',
      startsAt: at('2026-11-26T00:00:00Z'),
      resetsAt: at('2026-11-27T00:00:00Z'),
    });
  });

  it('a week is the ISO week, starting on Monday', () => {
    // 2026-11-26 is a Thursday; its week began on Monday the 23rd.
    expect(periodWindow('week', at('2026-11-26T12:00:00Z'))).toEqual({
      key: 'week:2026-W48',
      startsAt: at('2026-11-23T00:00:00Z'),
      resetsAt: at('2026-11-30T00:00:00Z'),
    });
    // Sunday still belongs to the week that began the Monday before.
    expect(periodWindow('week', at('2026-11-29T23:00:00Z')).key).toBe('week:2026-W48');
    expect(periodWindow('week', at('2026-11-30T00:00:00Z')).key).toBe('week:2026-W49');
  });

  it('weeks that straddle a new year take the year of their Thursday', () => {
    // 2027-01-01 is a Friday: ISO week 53 of 2026.
    expect(periodWindow('week', at('2027-01-01T08:00:00Z')).key).toBe('week:2026-W53');
    // 2025-12-31 is a Wednesday in the week of Thursday 2026-01-01: week 1 of 2026.
    expect(periodWindow('week', at('2025-12-31T08:00:00Z')).key).toBe('week:2026-W01');
  });

  it('a month ends at the first instant of the next, across years and leap days', () => {
    expect(periodWindow('month', at('2026-12-31T23:00:00Z'))).toEqual({
      key: 'month:2026-12',
      startsAt: at('2026-12-01T00:00:00Z'),
      resetsAt: at('2027-01-01T00:00:00Z'),
    });
    expect(periodWindow('month', at('2028-02-29T12:00:00Z')).resetsAt).toBe(
      at('2028-03-01T00:00:00Z'),
    );
  });

  it('the previous window is the one that ended where this one starts', () => {
    for (const period of ['day', 'week', 'month'] as const) {
      const current = periodWindow(period, at('2026-03-01T00:00:00Z'));
      const previous = previousWindow(period, current);
      expect(previous.resetsAt).toBe(current.startsAt);
      expect(previous.key).not.toBe(current.key);
    }
    expect(previousWindow('month', periodWindow('month', at('2026-03-01T00:00:00Z'))).key).toBe(
      'month:2026-02',
    );
  });
});

describe('hold bookkeeping', () => {
  const now = at('2026-11-26T12:00:00Z');

  it('admits while committed + live holds + requested stay within the limit', () => {
    const record = counter({ committed: 20, holds: { a: { images: 3, expiresAt: now + 1 } } });
    expect(admits(record, 25, 'new', 2)).toBe(true);
    expect(admits(record, 25, 'new', 3)).toBe(false);
  });

  it('counts grants on top of the limit, and null as unlimited', () => {
    expect(admits(counter({ committed: 25, granted: 4 }), 25, 'job', 4)).toBe(true);
    expect(admits(counter({ committed: 25, granted: 4 }), 25, 'job', 5)).toBe(false);
    expect(admits(counter({ committed: 1_000_000 }), null, 'job', 100)).toBe(true);
  });

  it('does not count a job against its own earlier hold when it reserves again', () => {
    const record = withHold(counter({ committed: 23 }), 'job', { images: 2, expiresAt: now + 1 });
    expect(admits(record, 25, 'job', 2)).toBe(true);
    expect(admits(record, 25, 'other', 1)).toBe(false);
  });

  it('prunes holds at their expiry, so a crashed job stops counting', () => {
    const record = counter({
      holds: { live: { images: 2, expiresAt: now + 1 }, dead: { images: 5, expiresAt: now } },
    });
    expect(usedOf(record)).toBe(7);
    expect(pruneHolds(record, now).holds).toEqual({ live: { images: 2, expiresAt: now + 1 } });
    expect(usedOf(pruneHolds(record, now))).toBe(2);
  });

  it('settling moves the hold into committed once, with the images actually delivered', () => {
    const held = withHold(counter({ committed: 1 }), 'job', { images: 4, expiresAt: now + 1 });
    const first = commitHold(held, 'job', 3);
    expect(first).toEqual({ applied: true, record: counter({ committed: 4 }) });
    expect(commitHold(first.record, 'job', 3)).toEqual({ applied: false, record: first.record });
  });

  it('releasing drops only that hold and never touches committed', () => {
    const held = withHold(
      withHold(counter({ committed: 2 }), 'a', { images: 1, expiresAt: now + 1 }),
      'b',
      { images: 1, expiresAt: now + 1 },
    );
    expect(withoutHold(held, 'a')).toEqual(
      counter({ committed: 2, holds: { b: { images: 1, expiresAt: now + 1 } } }),
    );
    expect(withoutHold(counter({ committed: 2 }), 'a')).toEqual(counter({ committed: 2 }));
  });
});

describe('allowance', () => {
  const window = periodWindow('day', at('2026-11-26T12:00:00Z'));

  it('reports used (held included), limit with grants, remaining and the reset time', () => {
    const record = counter({
      committed: 20,
      granted: 5,
      holds: { j: { images: 2, expiresAt: window.resetsAt } },
    });
    expect(allowanceOf(record, 25, 'day', window)).toEqual({
      used: 22,
      limit: 30,
      remaining: 8,
      period: 'day',
      resetsAt: '2026-11-27T00:00:00.000Z',
    });
  });

  it('never reports negative remaining after a limit is lowered', () => {
    expect(allowanceOf(counter({ committed: 40 }), 25, 'day', window).remaining).toBe(0);
  });

  it('reports unlimited as null limit and null remaining', () => {
    const allowance = allowanceOf(counter({ committed: 7 }), null, 'day', window);
    expect(allowance).toMatchObject({ used: 7, limit: null, remaining: null });
  });
});

describe('quota keys', () => {
  const window = periodWindow('day', at('2026-11-26T12:00:00Z'));

  it('name the window, so a new period starts from a fresh key', () => {
    expect(quotaKeys.guild('g1', window)).toBe('quota:guild:g1:day:2026-11-26');
    expect(quotaKeys.user('g1', 'u1', window)).toBe('quota:user:g1:u1:day:2026-11-26');
  });

  it('cannot be made to alias another guild or user with a colon in an id', () => {
    expect(quotaKeys.user('a:b', 'c', window)).not.toBe(quotaKeys.user('a', 'b:c', window));
  });
});
