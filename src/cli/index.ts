import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { plainErrno, ProblemsError } from '../problem.js';
import { redactUrls, ServerUrlError } from '../secret-url.js';
import { fail, report } from './output.js';

// Each command loads its stage when it runs, so that `--help` or `lists` never pays for MJML,
// unified or pg.
const doctor = () => import('./doctor.js');
const send = () => import('./send.js');
const serve = () => import('./serve.js');
const reports = () => import('./report.js');
const campaigns = () => import('./campaigns.js');
const preview = () => import('./preview.js');
const bounces = () => import('./bounces.js');

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('briefcast')
  .description('Case review learning as "5 min briefing" emails and web pages: write, send, and show they were read.')
  .version(version, '-V, --version', 'the version of briefcast')
  .showHelpAfterError('(run briefcast --help for the commands)');

program
  .command('check')
  .description('validate briefings; errors as file:line:col, exit 1 on any error')
  .argument('[files...]', 'briefing files (default: every file in briefings/)')
  .option('--strict', 'treat warnings as errors')
  .action(async (files: string[], options: { strict?: boolean }) => {
    const { openProjectBase, loadProjectBriefings } = await import('../project.js');
    const { lintBriefing } = await import('../briefing/index.js');
    const { project, problems } = openProjectBase();
    if (!project) fail(problems);
    const loaded = loadProjectBriefings(project, { drafts: true, files: files.length ? files : undefined });
    const settings = { label: project.config.banner_label, wordsPerMinute: project.config.reading_wpm };
    let all = [...problems, ...loaded.problems, ...loaded.briefings.flatMap((b) => lintBriefing(b, settings))];
    if (options.strict) all = all.map((p) => ({ ...p, severity: 'error' as const }));
    const failed = report(all);
    const warnings = all.filter((p) => p.severity === 'warning').length;
    const errors = all.length - warnings;
    const count = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
    console.log(`${count(loaded.files, 'briefing')} checked: ${count(errors, 'error')}, ${count(warnings, 'warning')}`);
    if (failed) process.exitCode = 1;
  });

program
  .command('new')
  .description('start a briefing: briefings/<slug>.md with every field filled in as an example')
  .argument('<title>', 'the title, e.g. "Learning from Serious Case Reviews – Child Q"')
  .action(async (title: string) => (await import('./new.js')).newCommand(title));

program
  .command('schema')
  .description('write briefing.schema.json (from the zod schema) for editors that validate frontmatter')
  .option('--out <file>', 'where to write it', 'briefing.schema.json')
  .action(async (options: { out: string }) => {
    const { briefingJsonSchema } = await import('../briefing/index.js');
    writeFileSync(options.out, JSON.stringify(briefingJsonSchema(), null, 2) + '\n');
    console.log(`wrote ${options.out}`);
  });

async function runBuild(options: { out?: string; baseUrl?: string; drafts?: boolean; pdf?: boolean }) {
  const { build } = await import('../build.js');
  const result = await build({ ...options, ...(options.pdf === false ? { chromium: false as const } : {}) });
  if (report(result.problems) || !result.ok) {
    console.error(`build failed; ${result.out} was left as it was`);
    process.exitCode = 1;
    return result;
  }
  for (const r of result.rendered) console.log(`  ${r.briefing.slug}  (${r.briefing.lessons.length} lessons, ${r.words} words)`);
  console.log(`built ${result.rendered.length} briefing${result.rendered.length === 1 ? '' : 's'} into ${result.out} in ${Math.round(result.ms)} ms${result.threads > 1 ? ` on ${result.threads} threads` : ''}`);
  return result;
}

program
  .command('build')
  .description('build every briefing into dist/: web pages, archive, feed, emails, manifest')
  .option('--out <dir>', 'output folder', 'dist')
  .option('--base-url <url>', 'public address of the site (overrides briefcast.yml)')
  .option('--drafts', 'include drafts')
  .option('--no-pdf', 'make no PDFs (quicker while writing)')
  .option('--watch', 'keep building: re-render what changes')
  .action(async (options: { out: string; baseUrl?: string; drafts?: boolean; pdf?: boolean; watch?: boolean }) => {
    const result = await runBuild(options);
    if (options.watch && result.ok) await (await preview()).watchBuild(result.out, options);
  });

program
  .command('preview')
  .description('live preview: the email at desktop and phone width, the text part and the web page, reloaded on save')
  .argument('[slug]', 'open this briefing')
  .addOption(new Option('--port <port>', 'port').default(4100).argParser(Number))
  .option('--host <host>', 'listen on this address and answer to this host name as well as localhost (drafts are confidential: only on a trusted network)')
  .action(async (slug: string | undefined, options: { port: number; host?: string }) => (await preview()).previewCommand(slug, options));

program
  .command('start')
  .description('build, then serve the site, tracking and dashboard on http://localhost:4000')
  .addOption(new Option('--port <port>', 'port').default(4000).argParser(Number))
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .action(async (options: { port: number; host: string }) => {
    const result = await runBuild({});
    if (result.ok) await (await serve()).serveCommand(options);
  });

program
  .command('serve')
  .description('serve dist/web, the tracking endpoints and the dashboard')
  .addOption(new Option('--port <port>', 'port').default(4000).argParser(Number))
  .option('--host <host>', 'address to listen on (anything but 127.0.0.1 is reachable from other machines)', '127.0.0.1')
  .option('--out <dir>', 'the build folder', 'dist')
  .action(async (options) => (await serve()).serveCommand(options));

program
  .command('report')
  .description('engagement per agency and per lesson for the latest campaign of a briefing, or every briefing sent in a period')
  .argument('[slug]', 'the briefing (not needed with --from/--to)')
  .option('--agency <id>', 'only this agency')
  .option('--campaign <id>', 'another campaign of this briefing')
  .option('--chase <days>', 'list who has not acknowledged this many days after delivery')
  .option('--actions', 'the actions teams agreed that are past their due date and not done, per agency')
  .option('--csv', 'CSV: the agency table, or the chase list with --chase')
  .option('--json', 'everything as JSON')
  .option('--from <day>', 'a period for the yearly report: every briefing sent from this day (YYYY-MM-DD)')
  .option('--to <day>', 'to this day, included (YYYY-MM-DD)')
  .option('--pdf <file>', 'write a printable board paper (A4 PDF, printed by Chromium)')
  .action(async (slug, options) => (await reports()).reportCommand(slug, options));

program
  .command('migrate')
  .description('apply database migrations (they also run at start)')
  .action(async () => (await doctor()).migrateCommand());

program
  .command('doctor')
  .description('check the database, SMTP server, secret, base URL and site; one line each')
  .action(async () => (await doctor()).doctorCommand());

program
  .command('purge')
  .description('delete tracking events older than retention_days')
  .action(async () => (await reports()).purgeCommand());

program
  .command('lists')
  .description('agencies, recipient counts and problems in the lists')
  .action(async () => (await campaigns()).listsCommand());

program
  .command('send')
  .description("send a briefing to its agencies' distribution lists")
  .argument('<slug>', 'the briefing (its file name without .md); with --worker, a campaign id or slug')
  .option('--agency <ids...>', 'only these agencies')
  .option('--yes', 'do not ask for confirmation')
  .option('--dry-run', 'the real plan against the real database: who would get it, who is skipped; sends and records nothing')
  .option('--resume', 'only continue an unfinished campaign')
  .option('--again', 'start a new campaign even though this briefing was sent')
  .option('--test <address>', 'send one proof copy to this address; nothing is recorded')
  .option('--send-by <date>', 'do not start or resume after this day (YYYY-MM-DD)')
  .option('--remind', 'remind those who have not acknowledged (a campaign of its own, linked to the first)')
  .option('--follow-up', 'ask those who recorded a team discussion what has changed since (a campaign of its own, once per person)')
  .option('--after <duration>', 'with --remind: only those who received it this long ago (default 14d); with --follow-up: who recorded their discussion this long ago (default 90d)')
  .option('--worker', 'one of several senders draining an existing campaign (shared DATABASE_URL); needs no briefings folder')
  .option('--retry-failed', 'send again the failed messages of the latest campaign (not addresses that do not exist)')
  .action(async (slug, options) => (await send()).sendCommand(slug, options));

program
  .command('suppressions')
  .description('addresses that get no briefings (unsubscribed, no such mailbox, or added by hand); add or remove one')
  .argument('[action]', 'add or remove')
  .argument('[email]', 'the address')
  .option('--reason <text>', 'with add: why (kept with the address)')
  .action(async (action, email, options) => (await campaigns()).suppressionsCommand(action, email, options));

program
  .command('bounces')
  .description('record bounces against their deliveries: from .eml files, a Maildir, or the BOUNCE_IMAP_URL mailbox')
  .argument('[paths...]', '.eml files or a Maildir folder (default: the mailbox at BOUNCE_IMAP_URL)')
  .action(async (paths: string[]) => (await bounces()).bouncesCommand(paths));

program
  .command('campaigns')
  .description('campaigns with counts by state; with an id, its failed deliveries and their SMTP responses')
  .argument('[id]', 'a campaign id')
  .action(async (id) => (await campaigns()).campaignsCommand(id));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ProblemsError) {
    report(error.problems);
    process.exitCode = 1;
  } else {
    // A system error (a port in use, a missing folder) in words, with what it was about.
    const e = error as NodeJS.ErrnoException & { port?: number };
    const about = e.port ?? e.path;
    const words = e.code && plainErrno(e.code) !== e.code ? `${plainErrno(e.code)}${about === undefined ? '' : ` (${about})`}` : redactUrls(e.message);
    console.error(`briefcast: ${words}`);
    if (process.env.BRIEFCAST_DEBUG) console.error(error);
    // A server address the user mistyped is their error, not ours.
    process.exitCode = error instanceof ServerUrlError ? 1 : 2;
  }
}
