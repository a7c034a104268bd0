/**
 * Sets `key` in a map that keeps at most `max` entries, dropping the oldest: the tracker's
 * memories of tokens, readers and addresses, which a stream of hostile requests must not grow.
 * The oldest tenth goes at once: a map skips the holes its deletions leave each time it is
 * iterated from the start, so dropping one entry per insert would cost a scan per request.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) {
    let drop = Math.max(1, Math.ceil(max / 10));
    for (const old of map.keys()) {
      map.delete(old);
      if (--drop === 0) break;
    }
  }
  map.set(key, value);
}
