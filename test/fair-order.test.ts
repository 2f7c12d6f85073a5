import { describe, expect, it } from 'vitest';
import { FairOrder, interleave, interleavedIndex } from '#core/queue/fair-order.js';
import { pendingRefusal } from '#core/queue/pending-caps.js';
import { positionChanges } from '#core/queue/positions.js';

const fill = (order: FairOrder<null>, guildId: string, userId: string, count: number) => {
  for (let index = 0; index < count; index++)
    order.push({ id: `${guildId}/${userId}/${index}`, guildId, userId, value: null });
};

const drain = (order: FairOrder<null>): string[] => {
  const taken: string[] = [];
  for (let entry = order.shift(); entry !== undefined; entry = order.shift()) taken.push(entry.id);
  return taken;
};

describe('interleave', () => {
  it('takes one item from each list in turn and skips lists that ran out', () => {
    expect(interleave([['a1', 'a2', 'a3'], ['b1'], ['c1', 'c2']])).toEqual([
      'a1',
      'b1',
      'c1',
      'a2',
      'c2',
      'a3',
    ]);
  });

  it('gives nothing for no lists', () => {
    expect(interleave([])).toEqual([]);
  });
});

describe('interleavedIndex', () => {
  it('finds where each item lands in the merge without building it', () => {
    const lists = [['a1', 'a2', 'a3', 'a4'], ['b1'], ['c1', 'c2'], []];
    const merged = interleave(lists);
    const lengths = lists.map((list) => list.length);
    lists.forEach((list, listIndex) =>
      list.forEach((item, round) =>
        expect(interleavedIndex(lengths, listIndex, round)).toBe(merged.indexOf(item)),
      ),
    );
  });
});

describe('FairOrder', () => {
  it("starts a second guild's first job right after the first job of a guild that queued 500", () => {
    const order = new FairOrder<null>();
    fill(order, 'A', 'a', 500);
    fill(order, 'B', 'b', 5);
    const taken = drain(order);
    expect(taken.indexOf('B/b/0')).toBe(1);
    expect(taken.slice(0, 10)).toEqual([
      'A/a/0',
      'B/b/0',
      'A/a/1',
      'B/b/1',
      'A/a/2',
      'B/b/2',
      'A/a/3',
      'B/b/3',
      'A/a/4',
      'B/b/4',
    ]);
    expect(taken.slice(10).every((id) => id.startsWith('A/'))).toBe(true);
  });

  it('rotates across users inside a guild and keeps each user first come first served', () => {
    const order = new FairOrder<null>();
    fill(order, 'G', 'u1', 3);
    fill(order, 'G', 'u2', 2);
    fill(order, 'G', 'u3', 1);
    expect(drain(order)).toEqual(['G/u1/0', 'G/u2/0', 'G/u3/0', 'G/u1/1', 'G/u2/1', 'G/u1/2']);
  });

  it('gives each guild one turn per round however many users it has', () => {
    const order = new FairOrder<null>();
    fill(order, 'A', 'a1', 2);
    fill(order, 'A', 'a2', 2);
    fill(order, 'B', 'b1', 2);
    expect(drain(order)).toEqual(['A/a1/0', 'B/b1/0', 'A/a2/0', 'B/b1/1', 'A/a1/1', 'A/a2/1']);
  });

  it('lists the same order that shifting produces, so positions match start order', () => {
    const order = new FairOrder<null>();
    fill(order, 'A', 'a1', 4);
    fill(order, 'B', 'b1', 1);
    fill(order, 'A', 'a2', 2);
    fill(order, 'C', 'c1', 3);
    order.shift();
    const listed = order.ids();
    expect(drain(order)).toEqual(listed);
  });

  it('puts a guild that comes back after emptying behind the guilds already waiting', () => {
    const order = new FairOrder<null>();
    fill(order, 'A', 'a', 1);
    fill(order, 'B', 'b', 3);
    expect(order.shift()?.id).toBe('A/a/0');
    order.push({ id: 'A/a/late', guildId: 'A', userId: 'a', value: null });
    expect(drain(order)).toEqual(['B/b/0', 'A/a/late', 'B/b/1', 'B/b/2']);
  });

  it('removes a waiting entry and drops a guild left with nothing from the rotation', () => {
    const order = new FairOrder<null>();
    fill(order, 'A', 'a', 2);
    fill(order, 'B', 'b', 1);
    expect(order.remove('B/b/0')?.guildId).toBe('B');
    expect(order.remove('B/b/0')).toBeUndefined();
    expect(order.indexOf('B/b/0')).toBeUndefined();
    expect(order.size).toBe(2);
    expect(drain(order)).toEqual(['A/a/0', 'A/a/1']);
    expect(order.size).toBe(0);
  });

  it('refuses the same id twice', () => {
    const order = new FairOrder<null>();
    fill(order, 'A', 'a', 1);
    expect(() => order.push({ id: 'A/a/0', guildId: 'A', userId: 'a', value: null })).toThrow(
      /already waiting/,
    );
  });
});

describe('positionChanges', () => {
  it('reports only jobs whose position moved, and remembers what it reported', () => {
    const reported = new Map([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect(positionChanges(['b', 'c'], reported)).toEqual([
      { id: 'b', position: 1 },
      { id: 'c', position: 2 },
    ]);
    expect(positionChanges(['b', 'c'], reported)).toEqual([]);
    expect(positionChanges(['b', 'd', 'c'], reported)).toEqual([
      { id: 'd', position: 2 },
      { id: 'c', position: 3 },
    ]);
  });
});

describe('pendingRefusal', () => {
  const caps = { maxPendingPerGuild: 10, maxPendingPerUser: 2 };

  it('admits a job below both caps', () => {
    expect(pendingRefusal({ guild: 9, user: 1 }, caps)).toBeUndefined();
  });

  it("refuses at the user's cap with the limit and the count", () => {
    const refusal = pendingRefusal({ guild: 3, user: 2 }, caps);
    expect(refusal?.identifier).toBe('tooManyPendingForUser');
    expect(refusal?.context).toEqual({ limit: 2, pending: 2 });
  });

  it("refuses at the guild's cap with the limit and the count", () => {
    const refusal = pendingRefusal({ guild: 10, user: 0 }, caps);
    expect(refusal?.identifier).toBe('tooManyPendingInGuild');
    expect(refusal?.context).toEqual({ limit: 10, pending: 10 });
  });
});

describe('FairOrder turns', () => {
  it("gives each entry's index in the start order, however the guilds and users are mixed", () => {
    const order = new FairOrder<null>();
    fill(order, 'A', 'a1', 5);
    fill(order, 'B', 'b1', 2);
    fill(order, 'A', 'a2', 3);
    order.shift();
    order.shift();
    fill(order, 'C', 'c1', 4);
    fill(order, 'B', 'b2', 1);
    order.remove('A/a1/3');
    const listed = order.ids();
    listed.forEach((id, index) => expect(order.indexOf(id)).toBe(index));
    expect(order.indexOf('A/a1/3')).toBeUndefined();
  });

  it('lets a newcomer guild go ahead of a guild that has just had its turn', () => {
    const order = new FairOrder<null>();
    fill(order, 'A', 'a', 3);
    expect(order.shift()?.id).toBe('A/a/0');
    fill(order, 'B', 'b', 2);
    expect(order.ids()).toEqual(['B/b/0', 'A/a/1', 'B/b/1', 'A/a/2']);
    expect(drain(order)).toEqual(['B/b/0', 'A/a/1', 'B/b/1', 'A/a/2']);
  });

  it('keeps the turn of a guild that empties and rejoins, so it cannot jump guilds that waited longer', () => {
    const order = new FairOrder<null>();
    fill(order, 'A', 'a', 2);
    fill(order, 'B', 'b', 2);
    fill(order, 'X', 'x', 1);
    expect([order.shift()?.id, order.shift()?.id, order.shift()?.id]).toEqual([
      'A/a/0',
      'B/b/0',
      'X/x/0',
    ]);
    order.push({ id: 'X/x/again', guildId: 'X', userId: 'x', value: null });
    expect(drain(order)).toEqual(['A/a/1', 'B/b/1', 'X/x/again']);
  });

  it('applies the same turns to users inside a guild', () => {
    const order = new FairOrder<null>();
    fill(order, 'G', 'u1', 3);
    expect(order.shift()?.id).toBe('G/u1/0');
    fill(order, 'G', 'u2', 1);
    expect(drain(order)).toEqual(['G/u2/0', 'G/u1/1', 'G/u1/2']);
  });
});
