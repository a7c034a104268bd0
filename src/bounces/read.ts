import type { Store } from '../store/index.js';
import type { Tokens } from '../tokens/index.js';
import { parseIncoming } from './parse.js';
import { recordIncoming, type BounceSettings, type Outcome } from './record.js';
import type { BounceSource } from './sources.js';

export type ReadResult = Outcome & { name: string };

/** Bounces are small; anything bigger is left for a person instead of parsed. */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * Reads every waiting message of a source and records it. A message is filed away only after
 * its outcome is in the store, and only when nothing is left in it for a person to read.
 */
export async function readBounces(source: BounceSource, store: Store, tokens: Tokens, settings: BounceSettings, each?: (result: ReadResult) => void): Promise<ReadResult[]> {
  const results: ReadResult[] = [];
  for await (const waiting of source.messages()) {
    const outcome: Outcome =
      waiting.raw.length > MAX_MESSAGE_BYTES
        ? { outcome: 'not-a-bounce', reason: `${Math.round(waiting.raw.length / 1048576)} MB is too large for a bounce` }
        : await recordIncoming(store, tokens, await parseIncoming(waiting.raw), settings);
    if (outcome.outcome === 'recorded' || outcome.outcome === 'duplicate' || outcome.outcome === 'ignored') await waiting.done();
    const result = { ...outcome, name: waiting.name };
    results.push(result);
    each?.(result);
  }
  return results;
}
