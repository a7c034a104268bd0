import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { openProject, renderBySlug } from '../src/build.js';
import { createComposer, runCampaign, smtpTransport, type Transport } from '../src/send/index.js';
import { openSqliteStore } from '../src/store/index.js';
import { createTokens } from '../src/tokens/index.js';
import { repo } from './generate.js';

/**
 * One measured run, in its own process so its peak RSS is its own:
 *   send-campaign.ts briefcast <n> <smtp-url>   the real send loop to an SMTP sink
 *   send-campaign.ts raw <n> <smtp-url>         nodemailer alone, same pool, same message
 *   send-campaign.ts null <n>                   the real loop to a transport that serialises and drops
 */
const [mode, countArg, smtpUrl] = process.argv.slice(2);
const n = Number(countArg);
const pool = { connections: 5, rate_per_second: 1_000_000 };

const { project } = await openProject({ root: repo });
const rendered = renderBySlug(project!, 'children-p').rendered!;
const tokens = createTokens('bench-secret');
const dir = mkdtempSync(join(tmpdir(), 'briefcast-send-bench-'));
const store = await openSqliteStore(join(dir, 'bench.db'));

function* recipients() {
  for (let i = 0; i < n; i++) yield { email: `reader.${i}@example.org`, name: `Reader ${i}`, agencies: ['police'] };
}

let result: Record<string, number>;
if (mode === 'raw') {
  const compose = createComposer({ config: project!.config, rendered, campaign: 1, tokens });
  const message = compose({ id: 1, seq: 1, email: 'reader.0@example.org', name: 'Reader 0' });
  const transporter = nodemailer.createTransport({ ...nodemailer.createTransport(smtpUrl!).options, pool: true, maxConnections: pool.connections, maxMessages: 100 } as object);
  const start = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < n; i++) {
    while (inFlight.size >= pool.connections) await Promise.race(inFlight);
    const p: Promise<unknown> = transporter.sendMail(message).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - start) / 1000;
  transporter.close();
  result = { rate: n / seconds };
} else {
  const transport: Transport =
    mode === 'null'
      ? (() => {
          const streamer = nodemailer.createTransport({ streamTransport: true, buffer: true });
          return { description: 'null', concurrency: 5, send: async ({ seq: _s, ...m }) => (await streamer.sendMail(m), { response: '250 dropped' }), close: async () => undefined };
        })()
      : smtpTransport(smtpUrl!, pool);
  const campaign = await store.createCampaign({ slug: 'children-p', title: 't', content_hash: rendered.hash, agencies: ['police'], recipients: recipients() });
  const start = performance.now();
  const outcome = await runCampaign({
    store,
    transport,
    campaign,
    compose: createComposer({ config: project!.config, rendered, campaign: campaign.id, tokens }),
    maxAttempts: 3,
    retryBaseMs: 1000,
    pauseAfterErrors: 100,
    claim: { leaseMs: 300_000, ratePerSecond: pool.rate_per_second },
  });
  const seconds = (performance.now() - start) / 1000;
  await transport.close();
  if (outcome.counts.sent !== n) throw new Error(`sent ${outcome.counts.sent} of ${n}`);
  result = { rate: n / seconds };
}
await store.close();
rmSync(dir, { recursive: true, force: true });
result.peak_rss_mb = process.resourceUsage().maxRSS / 1024;
// With --expose-gc: the heap still live after a full collection, to tell a leak from lazy collection.
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  gc();
  result.live_heap_mb = process.memoryUsage().heapUsed / 1048576;
}
writeFileSync(1, JSON.stringify(result) + '\n');
