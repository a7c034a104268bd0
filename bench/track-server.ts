import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, loadMessages } from '../src/config/index.js';
import { openPostgresStore, openSqliteStore } from '../src/store/index.js';
import { createTokens } from '../src/tokens/index.js';
import { createTrackServer } from '../src/track/index.js';
import { repo } from './generate.js';
import { join } from 'node:path';

/**
 *   track-server.ts briefcast <db>   the real tracking server, persisting events to <db> (a file, or postgres://…)
 *   track-server.ts bare             node:http answering the same GIF, nothing else
 * Prints {"port":…} when listening; SIGTERM stops it cleanly (the real one flushes first).
 */
const [mode, db] = process.argv.slice(2);
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const ready = (port: number) => process.stdout.write(JSON.stringify({ port }) + '\n');

if (mode === 'bare') {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'image/gif', 'Content-Length': GIF.length, 'Cache-Control': 'no-store, max-age=0' });
    res.end(GIF);
  });
  server.listen(0, '127.0.0.1', () => ready((server.address() as AddressInfo).port));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else {
  const config = loadConfig(join(repo, 'briefcast.yml')).config!;
  const store = db!.startsWith('postgres') ? await openPostgresStore(db!) : await openSqliteStore(db!);
  const track = createTrackServer({ webRoot: join(repo, 'dist', 'web'), config, messages: loadMessages(repo, config.language).messages!, store, tokens: createTokens('bench-secret') });
  track.server.listen(0, '127.0.0.1', () => ready((track.server.address() as AddressInfo).port));
  process.on('SIGTERM', async () => {
    await track.close();
    await store.close();
    process.exit(0);
  });
}
