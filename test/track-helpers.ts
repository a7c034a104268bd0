import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { loadConfig, loadMessages, type Config } from '../src/config/index.js';
import { createDashboard } from '../src/report/index.js';
import { openSqliteStore } from '../src/store/index.js';
import type { Store } from '../src/store/index.js';
import { createTokens, loadSecret, type Tokens } from '../src/tokens/index.js';
import { createTrackServer, type TrackServer } from '../src/track/index.js';
import { listen } from './browser.js';
import { cli, configure, tempProject } from './helpers.js';

export interface Tracking {
  origin: string;
  store: Store;
  tokens: Tokens;
  config: Config;
  track: TrackServer;
  close(): Promise<void>;
}

/** The real tracking server, in-process, on the project's own database and secret. */
export async function startTracking(dir: string, options: { webRoot?: string; dashboardKey?: string; trustProxy?: boolean | number } = {}): Promise<Tracking> {
  const config = loadConfig(join(dir, 'briefcast.yml')).config!;
  const store = await openSqliteStore(join(dir, 'data', 'briefcast.db'));
  const tokens = createTokens(loadSecret(dir));
  const track = createTrackServer({
    webRoot: options.webRoot ?? join(dir, 'dist', 'web'),
    config,
    messages: loadMessages(dir, config.language).messages!,
    store,
    tokens,
    dashboard: createDashboard(store, config, new Map()),
    dashboardKey: options.dashboardKey ?? 'test-dashboard-key',
    trustProxy: options.trustProxy,
  });
  const origin = await listen(track.server);
  return {
    origin,
    store,
    tokens,
    config,
    track,
    async close() {
      await track.close();
      await store.close();
    },
  };
}

export const BROWSER_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

/** A project that has sent Children P to the outbox; returns each recipient's token. */
export async function sentProject(tracking = 'individual') {
  const dir = tempProject();
  configure(dir, { tracking });
  expect((await cli(dir, ['build'])).code).toBe(0);
  const sent = await cli(dir, ['send', 'children-p', '--yes'], { SMTP_URL: '' });
  expect(sent.code, sent.stderr).toBe(0);
  const tokens = new Map<string, string>();
  for (const f of readdirSync(join(dir, 'outbox', '1'))) {
    const eml = readFileSync(join(dir, 'outbox', '1', f), 'utf8');
    const email = /^To: .*<(.+)>$/m.exec(eml)![1]!;
    tokens.set(email, /\/u\/([A-Za-z0-9_-]+)>/.exec(eml)![1]!);
  }
  return { dir, tokens };
}

/** For one describe block: a project that sent Children P, served by the tracking server, for all its tests. */
export function sentAndTracked(tracking?: string): { t: Tracking; tokens: Map<string, string>; dir: string } {
  const suite = {} as { t: Tracking; tokens: Map<string, string>; dir: string };
  beforeAll(async () => {
    Object.assign(suite, await sentProject(tracking));
    suite.t = await startTracking(suite.dir);
  });
  afterAll(() => suite.t?.close());
  return suite;
}

/** A raw request, so headers and bodies can be what no well-behaved client sends. */
export function rawRequest(origin: string, method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const port = Number(new URL(origin).port);
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', () => done({ status: 0, headers: {}, body: '' }));
    req.end(body);
  });
}
