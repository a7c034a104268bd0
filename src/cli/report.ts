import { loadLists } from '../lists/index.js';
import { join } from 'node:path';
import { loadBriefings } from '../briefing/index.js';
import { loadConfig, type Config } from '../config/index.js';
import { actionsCsv, actionsText, agencyCsv, campaignReport, chaseCsv, overdueActions, periodCsv, periodReport, periodText, reportText } from '../report/index.js';
import { fail } from './output.js';
import { openStoreOrFail } from './store.js';

export interface ReportCliOptions {
  agency?: string;
  csv?: boolean;
  json?: boolean;
  chase?: string;
  campaign?: string;
  from?: string;
  to?: string;
  actions?: boolean;
}

const day = /^\d{4}-\d{2}-\d{2}$/;

export async function reportCommand(slug: string | undefined, options: ReportCliOptions): Promise<void> {
  const { config, problems } = loadConfig(join(process.cwd(), 'briefcast.yml'));
  if (!config) fail(problems);
  const lists = loadLists(join(process.cwd(), 'lists', 'agencies.yml'));
  const agencyNames = new Map(lists.agencies.map((a) => [a.id, a.name]));
  const roles = new Map(lists.agencies.flatMap((a) => a.recipients.flatMap((r) => (r.role ? [[r.email.toLowerCase(), r.role] as const] : []))));
  if (options.from || options.to) return periodCommand(config, agencyNames, options);
  if (!slug) fail('name a briefing (briefcast report <slug>), or a period with --from and --to');
  if (options.agency && !agencyNames.has(options.agency)) fail(`--agency ${options.agency}: unknown agency (known: ${[...agencyNames.keys()].join(', ')})`);
  const chaseDays = options.chase === undefined ? undefined : Number.parseInt(options.chase, 10);
  if (chaseDays !== undefined && (!Number.isInteger(chaseDays) || chaseDays < 0)) fail(`--chase ${options.chase}: expected a number of days`);
  const store = await openStoreOrFail(process.cwd(), { existing: true });
  try {
    const campaigns = (await store.campaignsFor(slug)).filter((c) => c.kind === 'briefing');
    const campaign = options.campaign ? campaigns.find((c) => c.id === Number(options.campaign)) : campaigns.at(-1);
    if (!campaign) fail(`no campaign for "${slug}"${options.campaign ? ` with id ${options.campaign}` : ''} (briefcast campaigns lists them)`, 'ENOCAMPAIGN');
    const report = await campaignReport(store, campaign, { tracking: config.tracking, agencyNames, roles, agency: options.agency, chaseDays: chaseDays ?? (options.json && !options.actions ? 14 : undefined) });
    if (options.actions) {
      const actions = overdueActions(report);
      if (options.json) console.log(JSON.stringify(actions, null, 2));
      else if (options.csv) process.stdout.write(actionsCsv(actions));
      else console.log(actionsText(actions));
    } else if (options.json) console.log(JSON.stringify(report, null, 2));
    else if (options.csv) process.stdout.write(chaseDays !== undefined ? chaseCsv(report) : agencyCsv(report));
    else console.log(reportText(report));
  } finally {
    await store.close();
  }
}

export async function purgeCommand(): Promise<void> {
  const { config, problems } = loadConfig(join(process.cwd(), 'briefcast.yml'));
  if (!config) fail(problems);
  const store = await openStoreOrFail(process.cwd(), { existing: true });
  try {
    const n = await store.purge(Date.now() - config.retention_days * 86_400_000);
    console.log(`deleted ${n} tracking rows older than ${config.retention_days} days`);
  } finally {
    await store.close();
  }
}

/** `report --from … --to …`: every briefing sent in a period, for the board's yearly report. */
async function periodCommand(config: Config, agencyNames: ReadonlyMap<string, string>, options: ReportCliOptions): Promise<void> {
  const { from, to } = options;
  if (!from || !day.test(from) || !to || !day.test(to)) fail('--from and --to: both days, as YYYY-MM-DD (e.g. --from 2026-04-01 --to 2027-03-31)');
  if (from > to) fail(`--from ${from} is after --to ${to}`);
  // Themes come from the briefings themselves; a briefing since removed simply has none.
  const { briefings } = loadBriefings(join(process.cwd(), 'briefings'));
  const tags = new Map(briefings.map((b) => [b.slug, b.tags]));
  const store = await openStoreOrFail(process.cwd());
  try {
    const report = await periodReport(store, { from, to }, { tracking: config.tracking, agencyNames, tagsOf: (slug) => tags.get(slug) ?? [] });
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else if (options.csv) process.stdout.write(periodCsv(report));
    else console.log(periodText(report));
  } finally {
    await store.close();
  }
}
