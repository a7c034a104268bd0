import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { loadConfig } from '../src/config/index.js';
import { createComposer, runSend, senderOf, smtpTransport, type Transport } from '../src/send/index.js';
import { openSqliteStore } from '../src/store/index.js';
import { createTokens } from '../src/tokens/index.js';
import { repo } from './generate.js';

/**
 * One measured run, in its own process so its peak RSS is its own:
 *   send-campaign.ts briefcast <n> <smtp-url>   the real send loop to an SMTP sink
 *   send-campaign.ts raw <n> <smtp-url>         nodemailer alone, same pool, same message
 *   send-campaign.ts null <n>                   the real loop to a transport that serialises and drops
 *   send-campaign.ts plan <n> <db>              (internal) renders and stores the campaign
 * The campaign is planned in a child process, as `send` plans it before a worker joins: the
 * measured process, like a worker, never loads the renderer.
 */
const [mode, countArg, arg] = process.argv.slice(2);
const n = Number(countArg);
const pool = { connections: 5, rate_per_second: 1_000_000 };

function* recipients() {
  for (let i = 0; i < n; i++) yield { email: `reader.${i}@example.org`, name: `Reader ${i}`, agencies: ['police'] };
}

if (mode === 'plan') {
  const { openProject, renderBySlug } = await import('../src/build.js');
  const { dateLabel, pageUrl } = await import('../src/render/index.js');
  const { plannedContent } = await import('../src/send/index.js');
  const { project } = await openProject({ root: repo });
  const rendered = renderBySlug(project!, 'children-p').rendered!;
  const store = await openSqliteStore(arg!);
  const source = { rendered, agencies: [], webUrl: pageUrl(project!.config, 'children-p'), dateLabel };
  const content = plannedContent(source, { tracked: true });
  await store.createCampaign({ slug: 'children-p', title: 't', content_hash: rendered.hash, agencies: ['police'], recipients: recipients(), links: rendered.links, content: [content] });
  await store.close();
  process.exit(0);
}

const config = loadConfig(join(repo, 'briefcast.yml')).config!;
config.send = { ...config.send, max_attempts: 3, retry_base_seconds: 1, pause_after_errors: 100, ...pool };
const tokens = createTokens('bench-secret');
const dir = mkdtempSync(join(tmpdir(), 'briefcast-send-bench-'));
const dbPath = join(dir, 'bench.db');
execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, 'plan', String(mode === 'raw' ? 1 : n), dbPath], { stdio: 'inherit' });
const store = await openSqliteStore(dbPath);
const campaign = (await store.campaign(1))!;

let result: Record<string, number>;
if (mode === 'raw') {
  const compose = createComposer({ sender: senderOf(config), content: await store.content(1), links: await store.links(1), campaign: 1, slug: 'children-p', tokens, installId: await store.installId() });
  const message = compose({ id: 1, seq: 1, email: 'reader.0@example.org', name: 'Reader 0', agencies: 'police' });
  const transporter = nodemailer.createTransport({ ...nodemailer.createTransport(arg!).options, pool: true, maxConnections: pool.connections, maxMessages: 100 } as object);
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
      : smtpTransport(arg!, pool);
  const start = performance.now();
  const outcome = await runSend({ store, campaign, config, transport, tokens });
  const seconds = (performance.now() - start) / 1000;
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
