import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runSend, runSendOnThread, senderId, transportOf, type TransportSpec } from '../src/send/index.js';
import { openSqliteStore, type Store } from '../src/store/index.js';
import { createTokens } from '../src/tokens/index.js';
import { plannedCampaign, readers, sendConfig } from './send-helpers.js';
import { startSink, type Sink } from './smtp.js';

let sink: Sink | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  await sink?.close();
});

async function project(n: number) {
  const root = mkdtempSync(join(tmpdir(), 'briefcast-thread-'));
  mkdirSync(join(root, 'data'));
  store = await openSqliteStore(join(root, 'data', 'briefcast.db'));
  const campaign = await plannedCampaign(store, readers(n));
  sink = await startSink();
  return { root, campaign, transport: { kind: 'smtp', url: sink.url, settings: (await sendConfig()).send } satisfies TransportSpec };
}

it('the send loop runs on its own thread and reports progress to this one: everyone once', async () => {
  const { root, campaign, transport } = await project(40);
  const config = await sendConfig();
  const seen: number[] = [];
  const outcome = await runSendOnThread(
    { root, campaign, config, transport, secret: Buffer.from('a-test-secret'), owner: senderId(), onProgress: (p) => seen.push(p.sent) },
    async () => {
      throw new Error('the thread should not have stopped');
    },
    store!,
  );
  expect(outcome.state).toBe('completed');
  expect(outcome.counts.sent).toBe(40);
  expect(seen.at(-1)).toBe(40);
  expect(new Set(sink!.received.map((r) => r.to)).size).toBe(40);
  expect(sink!.received).toHaveLength(40);
});

it('a sending thread that dies (out of memory) hands the campaign back: this thread sends the rest, each reader once', async () => {
  const { root, campaign, transport } = await project(30);
  const config = await sendConfig();
  const owner = senderId();
  let fellBack = false;
  const outcome = await runSendOnThread(
    // A heap far too small for the loop: the thread is stopped by V8, as a real one would be by a larger campaign.
    { root, campaign, config, transport, secret: Buffer.from('a-test-secret'), owner, limits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 2 } },
    async (here) => {
      fellBack = true;
      return runSend({ store: here, campaign, config, transport: transportOf(transport), tokens: createTokens('a-test-secret'), owner });
    },
    store!,
  );
  expect(fellBack).toBe(true);
  expect(outcome.state).toBe('completed');
  expect(outcome.counts.sent).toBe(30);
  const perReader = new Map<string, number>();
  for (const r of sink!.received) perReader.set(r.to, (perReader.get(r.to) ?? 0) + 1);
  expect(perReader.size).toBe(30);
  expect(Math.max(...perReader.values())).toBe(1);
});
