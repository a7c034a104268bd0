import type { Store } from '../store/index.js';
import type { Tokens } from '../tokens/index.js';
import { parseIncoming } from './parse.js';
import { recordIncoming, type BounceSettings, type Outcome } from './record.js';
import type { BounceSource } from './sources.js';

export type ReadResult = Outcome & { name: string };

/**
 * Reads every waiting message of a source and records it. A message is filed away only after
 * its outcome is in the store, and only when nothing is left in it for a person to read.
 */
export async function readBounces(source: BounceSource, store: Store, tokens: Tokens, settings: BounceSettings, each?: (result: ReadResult) => void): Promise<ReadResult[]> {
  const results: ReadResult[] = [];
  for await (const waiting of source.messages()) {
    const outcome = await recordIncoming(store, tokens, await parseIncoming(waiting.raw), settings);
    if (outcome.outcome === 'recorded' || outcome.outcome === 'duplicate' || outcome.outcome === 'ignored') await waiting.done();
    const result = { ...outcome, name: waiting.name };
    results.push(result);
    each?.(result);
  }
  return results;
}
