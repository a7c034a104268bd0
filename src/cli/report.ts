import { loadLists } from '../lists/index.js';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plainErrno } from '../problem.js';
import { loadBriefings } from '../briefing/index.js';
import { loadConfig, type Config } from '../config/index.js';
import { actionsCsv, actionsText, agencyCsv, campaignPage, campaignReport, chaseCsv, overdueActions, periodCsv, periodPage, periodReport, periodText, realDay, reportText } from '../report/index.js';
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
  pdf?: string;
  actions?: boolean;
}

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
    if (!campaigns.length) fail(`no campaign for "${slug}" yet (briefcast campaigns lists them)`, 'ENOCAMPAIGN');
    if (options.campaign !== undefined && !/^\d{1,9}$/.test(options.campaign)) fail(`--campaign ${options.campaign}: expected a campaign number (${slug}'s: ${campaigns.map((c) => c.id).join(', ')})`);
    const campaign = options.campaign !== undefined ? campaigns.find((c) => c.id === Number(options.campaign)) : campaigns.at(-1);
    if (!campaign) fail(`--campaign ${options.campaign}: not a campaign of "${slug}" (its campaigns: ${campaigns.map((c) => c.id).join(', ')})`, 'ENOCAMPAIGN');
    const report = await campaignReport(store, campaign, { tracking: config.tracking, agencyNames, roles, agency: options.agency, chaseDays: chaseDays ?? (options.json && !options.actions ? 14 : undefined) });
    if (options.actions) {
      const actions = overdueActions(report);
      if (options.json) console.log(JSON.stringify(actions, null, 2));
      else if (options.csv) process.stdout.write(actionsCsv(actions));
      else console.log(actionsText(actions));
    } else if (options.pdf) await writePaper(options.pdf, campaignPage(config, report, 14, { print: true }), `${config.board.name}: ${report.campaign.title}`);
    else if (options.json) console.log(JSON.stringify(report, null, 2));
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
  if (!from || !realDay(from) || !to || !realDay(to)) fail('--from and --to: both days, as YYYY-MM-DD (e.g. --from 2026-04-01 --to 2027-03-31)');
  if (from > to) fail(`--from ${from} is after --to ${to}`);
  // Themes come from the briefings themselves; a briefing since removed simply has none.
  const { briefings } = loadBriefings(join(process.cwd(), 'briefings'));
  const tags = new Map(briefings.map((b) => [b.slug, b.tags]));
  const store = await openStoreOrFail(process.cwd());
  try {
    const report = await periodReport(store, { from, to }, { tracking: config.tracking, agencyNames, tagsOf: (slug) => tags.get(slug) ?? [] });
    if (options.pdf) await writePaper(options.pdf, periodPage(config, report, { print: true }), `${config.board.name}: learning briefings ${from} to ${to}`);
    else if (options.json) console.log(JSON.stringify(report, null, 2));
    else if (options.csv) process.stdout.write(periodCsv(report));
    else console.log(periodText(report));
  } finally {
    await store.close();
  }
}

/** `--pdf FILE`: the dashboard's printable view, printed by Chromium as an A4 board paper. */
async function writePaper(file: string, html: string, footer: string): Promise<void> {
  const { printPaper, chromiumPath } = await import('../pdf.js');
  let paper: { pdf: Buffer; pages: number };
  try {
    paper = await printPaper(html, { chromium: chromiumPath(), footer });
  } catch (error) {
    fail((error as Error).message, 'ENOCHROMIUM');
  }
  // Written beside it and renamed: a paper stopped halfway never replaces the last good one.
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, paper.pdf);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    const e = error as NodeJS.ErrnoException;
    fail(`--pdf ${file}: cannot write it: ${e.code ? plainErrno(e.code) : e.message}`, 'EWRITE');
  }
  console.log(`board paper written to ${file} (${paper.pages} A4 page${paper.pages === 1 ? '' : 's'})`);
}
