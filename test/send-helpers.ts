import { openProject, renderBySlug } from '../src/build.js';
import type { Config } from '../src/config/index.js';
import { dateLabel, pageUrl } from '../src/render/index.js';
import { plannedContent, type Source } from '../src/send/index.js';
import type { Store } from '../src/store/index.js';
import { repo } from './helpers.js';

let source: Source | undefined;
let baseConfig: Config | undefined;

/** The sample briefing, rendered once per test file, as `send` hands it to the planner. */
export async function sampleSource(): Promise<Source> {
  if (!source) {
    const { project } = await openProject({ root: repo });
    baseConfig = project!.config;
    source = { rendered: renderBySlug(project!, 'children-p').rendered!, agencies: project!.agencies, webUrl: pageUrl(project!.config, 'children-p'), dateLabel };
  }
  return source;
}

/** The sample project's briefcast.yml with fast retries, changed by `send`. */
export async function sendConfig(send: Partial<Config['send']> = {}): Promise<Config> {
  await sampleSource();
  return { ...baseConfig!, send: { ...baseConfig!.send, connections: 3, rate_per_second: 1000, max_attempts: 3, retry_base_seconds: 0.02, pause_after_errors: 50, lease_seconds: 5, ...send } };
}

export const readers = (n: number, domain = 'example.org') => Array.from({ length: n }, (_, i) => ({ email: `reader.${i}@${domain}`, name: `Reader ${i}`, agencies: ['police'] }));

/** A campaign of the sample briefing to `recipients`, planned and stored as `send` does it. */
export async function plannedCampaign(store: Store, recipients: { email: string; name: string; agencies: string[] }[], extra: { send_by?: string } = {}) {
  const src = await sampleSource();
  return store.createCampaign({
    slug: 'children-p',
    title: src.rendered.briefing.title,
    content_hash: src.rendered.hash,
    agencies: ['police'],
    recipients,
    links: src.rendered.links,
    content: [plannedContent(src, { tracked: true })],
    ...extra,
  });
}

