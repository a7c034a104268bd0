// @ts-check
/**
 * The measured tracker, as `briefcast serve` runs it: compiled lib/. Run through tsx, the sources
 * carry its helpers (a `__name` call for each named closure a request makes), which no user runs.
 *   track-server.mjs briefcast <db>   the real tracking server, persisting events to <db> (a file, or postgres://…)
 *   track-server.mjs bare             node:http answering the same GIF, nothing else
 * Prints {"port":…} when listening; SIGTERM stops it cleanly (the real one flushes first).
 */
import { createServer } from 'node:http';
import { join } from 'node:path';

const [mode, db] = process.argv.slice(2);
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const repo = join(import.meta.dirname, '..');
/** @param {import('node:http').Server} server */
const ready = (server) => process.stdout.write(JSON.stringify({ port: /** @type {import('node:net').AddressInfo} */ (server.address()).port }) + '\n');

if (mode === 'bare') {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'image/gif', 'Content-Length': GIF.length, 'Cache-Control': 'no-store, max-age=0' });
    res.end(GIF);
  });
  server.listen(0, '127.0.0.1', () => ready(server));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else {
  const { loadConfig, loadMessages } = await import('../lib/config/index.js');
  const { openPostgresStore, openSqliteStore } = await import('../lib/store/index.js');
  const { createTokens } = await import('../lib/tokens/index.js');
  const { createTrackServer } = await import('../lib/track/index.js');
  const config = loadConfig(join(repo, 'briefcast.yml')).config;
  const store = db.startsWith('postgres') ? await openPostgresStore(db) : await openSqliteStore(db);
  const track = createTrackServer({ webRoot: join(repo, 'dist', 'web'), config, messages: loadMessages(repo, config.language).messages, store, tokens: createTokens('bench-secret') });
  track.server.listen(0, '127.0.0.1', () => ready(track.server));
  process.on('SIGTERM', async () => {
    await track.close();
    await store.close();
    process.exit(0);
  });
}
