import { expect, it } from 'vitest';
import { setBounded } from '../src/bounded.js';

it('a bounded map never holds more than its bound, drops its oldest first, and keeps what was set last', () => {
  const map = new Map<number, number>();
  for (let i = 0; i < 10_000; i++) {
    setBounded(map, i, i, 100);
    expect(map.size).toBeLessThanOrEqual(100);
  }
  expect(map.has(9_999)).toBe(true);
  expect(map.has(0)).toBe(false);
  const oldest = map.keys().next().value!;
  // Setting a key again moves it to the newest end: it outlives the keys that were newer.
  setBounded(map, oldest, -1, 100);
  for (let i = 10_000; i < 10_050; i++) setBounded(map, i, i, 100);
  expect(map.get(oldest)).toBe(-1);
  expect(map.has(oldest + 1)).toBe(false);
});
