import { distance } from 'fastest-levenshtein';

/**
 * The one candidate that is actually close to what was written, or none: a guess that shares
 * little with the word ("board" → "date") helps nobody.
 */
export function suggest(written: string, candidates: readonly string[], normalise: (s: string) => string = (s) => s.toLowerCase()): string | undefined {
  const w = normalise(written);
  if (!w) return undefined;
  let best: { candidate: string; d: number } | undefined;
  for (const candidate of candidates) {
    const c = normalise(candidate);
    const d = distance(w, c);
    // Up to a third of the longer word may differ; a typo in a short word is one or two letters.
    if (d <= Math.max(1, Math.floor(Math.max(w.length, c.length) / 3)) && (!best || d < best.d)) best = { candidate, d };
  }
  if (best) return best.candidate;
  // "Constabulary" for "Cumbria Constabulary": every word written is a word of one candidate only.
  const words = w.split(' ');
  const containing = candidates.filter((c) => {
    const theirs = new Set(normalise(c).split(' '));
    return words.every((x) => theirs.has(x));
  });
  return containing.length === 1 ? containing[0] : undefined;
}
