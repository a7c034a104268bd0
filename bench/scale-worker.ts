import { openProject, renderBySlug } from '../src/build.js';
import { createComposer, runCampaign, smtpTransport } from '../src/send/index.js';
import { openPostgresStore } from '../src/store/index.js';
import { createTokens } from '../src/tokens/index.js';
import { repo } from './generate.js';

/** scale-worker.ts <database-url> <campaign> <smtp-url>: one send worker, as `send --worker` runs it. */
const [url, campaignId, smtpUrl] = process.argv.slice(2);
const { project } = await openProject({ root: repo });
const rendered = renderBySlug(project!, 'children-p').rendered!;
const store = await openPostgresStore(url!);
const campaign = (await store.campaign(Number(campaignId)))!;
const transport = smtpTransport(smtpUrl!, { connections: 5, rate_per_second: 1_000_000 });
await runCampaign({
  store,
  transport,
  campaign,
  compose: createComposer({ config: project!.config, rendered, campaign: campaign.id, tokens: createTokens('bench-secret') }),
  maxAttempts: 3,
  retryBaseMs: 1000,
  pauseAfterErrors: 100,
  claim: { leaseMs: 60_000, ratePerSecond: 1_000_000 },
  worker: true,
});
await transport.close();
await store.close();
