import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openProject } from '../build.js';
import { createDashboard } from '../report/index.js';
import { openStoreOrFail } from './store.js';
import { createTokens, loadSecret } from '../tokens/index.js';
import { createTrackServer } from '../track/index.js';
import { MIN_DASHBOARD_PASSWORD } from '../config/index.js';
import { fail } from './output.js';
import { plainErrno } from '../problem.js';

export interface ServeOptions {
  port: number;
  host: string;
  out?: string;
}

/** The site, the tracking endpoints and the dashboard, on one port. */
export async function serveCommand(options: ServeOptions): Promise<void> {
  const { project, problems } = await openProject();
  if (!project) fail(problems);
  const { config } = project;
  const webRoot = join(project.root, options.out ?? 'dist', 'web');
  if (!existsSync(webRoot)) console.error(`briefcast: warning: ${webRoot} does not exist yet; run npx briefcast build`);
  const store = await openStoreOrFail(project.root);
  const purged = await store.purge(Date.now() - config.retention_days * 86_400_000);
  if (purged) console.log(`deleted ${purged} tracking rows older than ${config.retention_days} days`);
  let secret: Buffer;
  try {
    secret = loadSecret(project.root);
  } catch (error) {
    fail((error as Error).message, 'ESECRET');
  }
  const configured = config.dashboard_password ?? (process.env.BRIEFCAST_DASHBOARD_PASSWORD || undefined);
  if (configured !== undefined && configured.length < MIN_DASHBOARD_PASSWORD) fail(`BRIEFCAST_DASHBOARD_PASSWORD is shorter than ${MIN_DASHBOARD_PASSWORD} characters`, 'EPASSWORD');
  // With no password set, a key derived from the secret: stable across restarts, printed below.
  const dashboardKey = configured ?? createHmac('sha256', secret).update('dashboard').digest('base64url').slice(0, 22);
  const tokens = createTokens(secret);
  const agencyNames = new Map(project.agencies.map((a) => [a.id, a.name]));
  const track = createTrackServer({
    webRoot,
    config,
    messages: project.messages,
    store,
    tokens,
    dashboard: config.dashboard ? createDashboard(store, config, agencyNames, { tagsOf: await themes(project.root) }) : undefined,
    dashboardKey: config.dashboard ? dashboardKey : undefined,
    trustProxy: /^[1-9]$/.test(process.env.BRIEFCAST_TRUST_PROXY ?? '') ? Number(process.env.BRIEFCAST_TRUST_PROXY) : 0,
  });
  await new Promise<void>((ready, failed) => {
    track.server.once('error', (error: NodeJS.ErrnoException) => failed(error));
    track.server.listen(options.port, options.host, () => ready());
  }).catch((error: NodeJS.ErrnoException) => fail(`cannot listen on ${options.host}:${options.port}: ${error.code ? plainErrno(error.code) : error.message}`, 'ELISTEN'));
  const stopPolling =
    config.bounces.poll && process.env.BOUNCE_IMAP_URL ? (await import('./bounces.js')).pollBounces(store, tokens, config, config.bounces.poll) : () => undefined;
  if (config.bounces.poll && !process.env.BOUNCE_IMAP_URL) console.error('briefcast: warning: bounces.poll is set but BOUNCE_IMAP_URL is not: bounces are not read');
  // Stop cleanly from the moment anything is printed: a supervisor may signal as soon as it sees output.
  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(1);
    stopping = true;
    stopPolling();
    await track.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  const shown = options.host === '127.0.0.1' ? 'localhost' : options.host;
  // The port listened on: --port 0 takes any free one.
  const port = (track.server.address() as AddressInfo).port;
  console.log(`serving ${webRoot} on http://${shown}:${port}/ (Ctrl-C to stop)`);
  if (!config.dashboard) console.log('dashboard: off (dashboard: false in briefcast.yml)');
  else console.log(`dashboard: http://${shown}:${port}/dashboard${configured ? ' (password from configuration)' : `?key=${dashboardKey}`}`);
}

/** The period view's themes come from the briefings themselves; a briefing since removed has none. */
async function themes(root: string): Promise<(slug: string) => string[]> {
  const { loadBriefings } = await import('../briefing/index.js');
  const tags = new Map(loadBriefings(join(root, 'briefings')).briefings.map((b) => [b.slug, b.tags]));
  return (slug) => tags.get(slug) ?? [];
}
