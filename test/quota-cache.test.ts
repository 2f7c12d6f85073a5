import { describe, expect, it } from 'vitest';
import { BoundedCache } from '#core/quota/bounded-cache.js';

describe('bounded cache', () => {
  it('tells a cached undefined from a miss', () => {
    const cache = new BoundedCache<string | undefined>(10);
    cache.set('absent', undefined);
    expect(cache.get('absent')).toEqual({ value: undefined });
    expect(cache.get('never set')).toBeUndefined();
  });

  it('drops an entry at its expiry', () => {
    const cache = new BoundedCache<number>(10);
    cache.set('k', 1, 1_000);
    expect(cache.get('k', 999)?.value).toBe(1);
    expect(cache.get('k', 1_000)).toBeUndefined();
  });

  it('evicts the least recently set entry beyond its capacity', () => {
    const cache = new BoundedCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    cache.set('c', 4);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual({ value: 3 });
    expect(cache.get('c')).toEqual({ value: 4 });
  });

  it('keeps nothing with capacity 0', () => {
    const cache = new BoundedCache<number>(0);
    cache.set('a', 1);
    expect(cache.get('a')).toBeUndefined();
  });
});
