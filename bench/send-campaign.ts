import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { loadConfig } from '../src/config/index.js';
import { createComposer, senderOf } from '../src/send/index.js';
import { openSqliteStore } from '../src/store/index.js';
import { createTokens } from '../src/tokens/index.js';
import { repo } from './generate.js';

/**
 *   send-campaign.ts plan <n> <db>              renders and stores a campaign of n readers
 *   send-campaign.ts raw <n> <smtp-url>         nodemailer alone, same pool, same message
 * The campaign is planned in its own process, as `send` plans it before a worker joins: the
 * measured sender (send-thread.mjs), like a worker, never loads the renderer.
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
execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, 'plan', '1', dbPath], { stdio: 'inherit' });
const store = await openSqliteStore(dbPath);

if (mode !== 'raw') throw new Error(`unknown mode ${mode}`);
const compose = createComposer({ sender: senderOf(config), content: await store.content(1), links: await store.links(1), campaign: 1, slug: 'children-p', tokens, installId: await store.installId() });
const composed = compose({ id: 1, seq: 1, email: 'reader.0@example.org', name: 'Reader 0', agencies: 'police' });
// nodemailer alone is given the email as anyone would give it: the html and text as strings, its
// own choice of encoding made and applied per message (briefcast hands it parts encoded once).
const decoded = await simpleParser((await nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail(composed)).message as Buffer);
const { seq: _seq, ...message } = { ...composed, html: decoded.html as string, text: decoded.text! };
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
await store.close();
rmSync(dir, { recursive: true, force: true });
writeFileSync(1, JSON.stringify({ rate: n / seconds }) + '\n');
