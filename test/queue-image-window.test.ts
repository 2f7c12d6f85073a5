import { describe, expect, it } from 'vitest';
import { ImageWindow } from '#core/queue/image-window.js';

describe('ImageWindow', () => {
  it('counts images, not requests: a 4-image start spends 4 of the limit', () => {
    const window = new ImageWindow({ limit: 5, windowMs: 1_000 });
    expect(window.tryTake(4, 0)).toBe(true);
    expect(window.delay(2, 10)).toBe(990);
    expect(window.tryTake(2, 10)).toBe(false);
    expect(window.tryTake(1, 10)).toBe(true);
  });

  it('waits until enough earlier starts slide out of the window', () => {
    const window = new ImageWindow({ limit: 4, windowMs: 1_000 });
    window.tryTake(2, 0);
    window.tryTake(2, 300);
    expect(window.delay(1, 500)).toBe(500);
    expect(window.delay(3, 500)).toBe(800);
    expect(window.tryTake(1, 999)).toBe(false);
    expect(window.tryTake(1, 1_000)).toBe(true);
  });

  it('slides rather than resetting on a boundary, so no burst of twice the limit gets through', () => {
    const window = new ImageWindow({ limit: 3, windowMs: 1_000 });
    expect(window.tryTake(3, 900)).toBe(true);
    expect(window.tryTake(1, 1_100)).toBe(false);
    expect(window.tryTake(3, 1_900)).toBe(true);
  });

  it('lets a request larger than the whole limit start once the window is empty', () => {
    const window = new ImageWindow({ limit: 2, windowMs: 1_000 });
    expect(window.tryTake(1, 0)).toBe(true);
    expect(window.delay(5, 100)).toBe(900);
    expect(window.tryTake(5, 1_000)).toBe(true);
    // It fills the window past the limit, so the next image waits for it to slide out whole.
    expect(window.delay(1, 1_500)).toBe(500);
  });
});
