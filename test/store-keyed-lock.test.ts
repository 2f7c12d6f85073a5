import { describe, expect, it } from 'vitest';
import { KeyedLock } from '#store/keyed-lock.js';

/** A task that records when it starts and ends, and finishes when told to. */
const gate = (log: string[], name: string) => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    open,
    task: async () => {
      log.push(`${name} start`);
      await opened;
      log.push(`${name} end`);
      return name;
    },
  };
};

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('keyed lock', () => {
  it('runs tasks that share a key one after another, in arrival order', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const first = gate(log, 'first');
    const second = gate(log, 'second');
    const running = [lock.run(['g', 'u1'], first.task), lock.run(['g', 'u2'], second.task)];
    await tick();
    expect(log).toEqual(['first start']);
    second.open();
    first.open();
    expect(await Promise.all(running)).toEqual(['first', 'second']);
    expect(log).toEqual(['first start', 'first end', 'second start', 'second end']);
  });

  it('runs tasks on unrelated keys side by side', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const running = [lock.run(['g1'], a.task), lock.run(['g2'], b.task)];
    await tick();
    expect(log).toEqual(['a start', 'b start']);
    a.open();
    b.open();
    await Promise.all(running);
  });

  it('cannot deadlock when tasks name overlapping keys in opposite orders', async () => {
    const lock = new KeyedLock();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        lock.run(index % 2 ? ['a', 'b'] : ['b', 'a'], async () => {
          await tick();
          return index;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 50 }, (_, index) => index));
  });

  it('releases its keys when a task throws, and forgets idle keys', async () => {
    const lock = new KeyedLock();
    await expect(
      lock.run(['k'], async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await lock.run(['k'], async () => 'after')).toBe('after');
    expect(lock.size).toBe(0);
  });
});
