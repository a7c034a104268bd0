/**
 * Sets `key` in a map that keeps at most `max` entries, dropping the oldest: the tracker's
 * memories of tokens, readers and addresses, which a stream of hostile requests must not grow.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
}
