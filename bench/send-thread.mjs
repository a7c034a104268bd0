// @ts-check
/**
 * The measured sender, as `briefcast send` runs it: compiled lib/, the loop on its own thread,
 * nothing else loaded (tsx alone would add ~36 MB to the figure).
 *   send-thread.mjs smtp <n> <root> <smtp-url>   to an SMTP sink
 *   send-thread.mjs null <n> <root>              building each message and dropping it
 * The campaign is already planned in <root>/data/briefcast.db (send-campaign.ts plan).
 */
import { join } from 'node:path';
import { peakKb } from './peak.mjs';

const { loadConfig } = await import('../lib/config/index.js');
const { runSendOnThread, senderId } = await import('../lib/send/index.js');
const { openStore } = await import('../lib/store/index.js');

const [mode, count, root, url] = process.argv.slice(2);
const n = Number(count);
const config = loadConfig(join(import.meta.dirname, '..', 'briefcast.yml')).config;
config.send = { ...config.send, max_attempts: 3, retry_base_seconds: 1, pause_after_errors: 100, connections: 5, rate_per_second: 1_000_000 };
const store = await openStore(root, {});
const campaign = await store.campaign(1);
const transport = mode === 'null' ? { kind: 'discard' } : { kind: 'smtp', url, settings: config.send };
const start = performance.now();
const outcome = await runSendOnThread(
  { root, campaign, config, transport, secret: Buffer.from('bench-secret'), owner: senderId() },
  async () => {
    throw new Error('the sending thread stopped');
  },
  store,
);
const seconds = (performance.now() - start) / 1000;
await store.close();
if (outcome.counts.sent !== n) throw new Error(`sent ${outcome.counts.sent} of ${n}`);
process.stdout.write(JSON.stringify({ rate: n / seconds, peak_rss_mb: peakKb() / 1024 }) + '\n');
