import { join } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { runSend, smtpTransport } from '../src/send/index.js';
import { openPostgresStore } from '../src/store/index.js';
import { createTokens } from '../src/tokens/index.js';
import { repo } from './generate.js';

/** scale-worker.ts <database-url> <campaign> <smtp-url>: one send worker, as `send --worker` runs it. */
const [url, campaignId, smtpUrl] = process.argv.slice(2);
const config = loadConfig(join(repo, 'briefcast.yml')).config!;
config.send = { ...config.send, max_attempts: 3, retry_base_seconds: 1, pause_after_errors: 100, lease_seconds: 60, connections: 5, rate_per_second: 1_000_000 };
const store = await openPostgresStore(url!);
const campaign = (await store.campaign(Number(campaignId)))!;
await runSend({ store, campaign, config, transport: smtpTransport(smtpUrl!, config.send), tokens: createTokens('bench-secret') });
await store.close();
