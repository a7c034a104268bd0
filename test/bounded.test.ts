import { expect, it } from 'vitest';
import { setBounded } from '../src/bounded.js';

it('a bounded map never holds more than its bound, drops its oldest first, and keeps what was set last', () => {
  const map = new Map<number, number>();
  for (let i = 0; i < 100_000; i++) setBounded(map, i, i, 1000);
  expect(map.size).toBeLessThanOrEqual(1000);
  expect(map.has(99_999)).toBe(true);
  expect(map.has(0)).toBe(false);
  // Setting a key again moves it to the newest end: it outlives the keys around it.
  setBounded(map, [...map.keys()][0]!, -1, 1000);
  const kept = [...map.keys()].at(-1)!;
  for (let i = 100_000; i < 100_950; i++) setBounded(map, i, i, 1000);
  expect(map.get(kept)).toBe(-1);
});
