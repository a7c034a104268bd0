import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import type { Briefing } from './briefing/index.js';
import { isWebAddress, type Config } from './config/index.js';
import { loadProjectBriefings, openProjectBase, type ProjectBase, type ProjectOptions } from './project.js';
import { chromiumPath, pdfAvailable, writePdfs } from './pdf.js';
import { isRunning } from './process-alive.js';
import { hasErrors, type Problem } from './problem.js';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RenderJob, RenderReply } from './build-worker.js';
import { compileTemplates, createRenderContext, escapeHtml, renderArchive, renderBriefing, renderFeed, renderTaken, TemplateError, toPage, type Page, type RenderContext, type Rendered, type Templates } from './render/index.js';

export type { ProjectOptions } from './project.js';

export interface Project extends ProjectBase {
  templates: Templates;
}

/** The project with its compiled layouts: what rendering needs (MJML is loaded only here). */
export async function openProject(options: ProjectOptions = {}): Promise<{ project?: Project; problems: Problem[] }> {
  const { project: base, problems } = openProjectBase(options);
  if (!base) return { problems };
  try {
    const templates = await compileTemplates(join(base.root, 'templates'), { colour: base.config.board.colour });
    return { project: { ...base, templates }, problems };
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    problems.push({ code: 'ETEMPLATE', severity: 'error', file: error.file, line: error.line, message: error.message });
    return { problems };
  }
}

export { loadProjectBriefings };

/** `pdf`: the pages link to their briefing.pdf (the build makes them). */
export function renderAll(project: Project, briefings: readonly Briefing[], options: { pdf?: boolean } = {}): Rendered[] {
  const ctx = renderContext(project, options);
  return briefings.map((b) => renderBriefing(b, ctx));
}

function renderContext(project: Project, options: { pdf?: boolean }): RenderContext {
  return { ...createRenderContext(project.config, project.templates, new Map(project.agencies.map((a) => [a.id, a.name])), project.messages), pdf: options.pdf };
}

/** Below this many briefings a render thread costs more to start than it saves. */
const PARALLEL_FROM = 48;

// Under vitest the sources run as TypeScript, which a worker thread cannot load: it runs the
// compiled copy (lib/, built before the tests), and where there is none the build stays on one thread.
const workerFile = new URL(import.meta.url.endsWith('.ts') ? '../lib/build-worker.js' : './build-worker.js', import.meta.url);

/**
 * Render threads, started by the first build that needs them and kept, idle and unref'd, for the
 * next one in the same process (preview rebuilds on every save): a new thread spends its first
 * few hundred briefings loading modules and warming up, which is most of what it would render.
 */
const renderThreads: ({ worker: Worker; jobs: number } | undefined)[] = [];
let renderJobs = 0;

/** The nth render thread, holding the process open while it has a job; the caller calls `release` once answered. */
function renderThread(n: number): { worker: Worker; release: () => void } {
  let thread = renderThreads[n];
  if (!thread) {
    const worker = new Worker(workerFile);
    const started = (thread = { worker, jobs: 0 });
    // A thread that died is replaced by the next build.
    const drop = () => {
      if (renderThreads[n] === started) renderThreads[n] = undefined;
    };
    worker.once('error', drop);
    worker.once('exit', drop);
    renderThreads[n] = thread;
  }
  const taken = thread;
  if (taken.jobs++ === 0) taken.worker.ref();
  return {
    worker: taken.worker,
    release: () => {
      if (--taken.jobs === 0) taken.worker.unref();
    },
  };
}

/**
 * Renders the site's pages on every core, all from the layouts MJML compiled once: this thread
 * and a render thread for each other core take the next briefing from one shared counter until
 * none is left, so a thread that is slower (busy, or still warming up) simply renders fewer.
 * Pages come back in the briefings' order.
 */
export async function renderPages(project: Project, briefings: readonly Briefing[], options: { pdf?: boolean } = {}): Promise<{ pages: Page[]; threads: number }> {
  const threads = Math.min(availableParallelism(), Math.floor(briefings.length / (PARALLEL_FROM / 2)));
  if (threads < 2 || !existsSync(workerFile)) return { pages: renderAll(project, briefings, options).map(toPage), threads: 1 };
  const next = new Int32Array(new SharedArrayBuffer(4));
  const pages: Page[] = new Array(briefings.length);
  const agencyNames = project.agencies.map((a): [string, string] => [a.id, a.name]);
  const job: RenderJob = { id: ++renderJobs, templatesDir: join(project.root, 'templates'), config: project.config, agencyNames, messages: project.messages, mjml: project.templates.mjml, pdf: Boolean(options.pdf), briefings: [...briefings], next };
  const others = Array.from({ length: threads - 1 }, (_, n) => {
    const { worker, release } = renderThread(n);
    return new Promise<void>((done, failed) => {
      const stopped = (code: number) => failed(new Error(`render thread stopped (exit ${code})`));
      const settle = () => {
        worker.off('message', received).off('error', failed).off('exit', stopped);
        release();
      };
      const received = (reply: RenderReply) => {
        if (reply.id !== job.id) return;
        settle();
        if ('error' in reply) return failed(new Error(reply.error));
        for (const [i, page] of reply.pages) pages[i] = page;
        done();
      };
      worker.on('message', received).once('error', failed).once('exit', stopped);
      worker.postMessage(job);
    });
  });
  for (const [i, page] of renderTaken(briefings, next, renderContext(project, options))) pages[i] = page;
  await Promise.all(others);
  return { pages, threads };
}

/** One briefing by slug, rendered, or a problem naming the slugs there are. */
export function renderBySlug(project: Project, slug: string): { rendered?: Rendered; problems: Problem[] } {
  const loaded = loadProjectBriefings(project, { drafts: false });
  const briefing = loaded.briefings.find((b) => b.slug === slug);
  const own = loaded.problems.filter((p) => p.severity === 'error' && (!briefing || p.file === briefing.file));
  if (!briefing) {
    const known = loaded.briefings.map((b) => b.slug).join(', ') || 'none';
    return { problems: [...own, { code: 'ESLUG', severity: 'error', file: 'briefings/', message: `no briefing "${slug}" (known: ${known}); drafts are not sent` }] };
  }
  if (own.length) return { problems: own };
  return { rendered: renderAll(project, [briefing])[0]!, problems: loaded.problems.filter((p) => p.file === briefing.file) };
}

export interface BuildResult {
  ok: boolean;
  problems: Problem[];
  rendered: Page[];
  /** How many threads rendered the pages. */
  threads: number;
  out: string;
  ms: number;
}

export interface ManifestEntry {
  slug: string;
  title: string;
  date?: string;
  agencies: string[] | 'all';
  lessons: { n: number; text: string; agencies?: string[] }[];
  links: Rendered['links'];
  hash: string;
}

export function manifestEntry(r: Page): ManifestEntry {
  const b = r.briefing;
  return { slug: b.slug, title: b.title, date: b.date, agencies: b.agencies, lessons: b.lessons.map((l) => ({ n: l.n, text: l.markdown, ...(l.agencies ? { agencies: l.agencies } : {}) })), links: r.links, hash: r.hash };
}

// The browser copy of MiniSearch for the archive's offline search; the package does not export its path.
const minisearchUmd = join(dirname(createRequire(import.meta.url).resolve('minisearch')), '..', 'umd', 'index.js');
/** Minified when lib/ was built (scripts/build.js); the sources under test fall back to the plain copy. */
const minisearchMin = join(import.meta.dirname, 'assets', 'minisearch.min.js');
const searchScript = existsSync(minisearchMin) ? minisearchMin : minisearchUmd;

/** The board's colour with the first letter of its short name: the tab of every page says whose site it is. */
function favicon(config: Config): string {
  const letter = escapeHtml([...config.board.short_name.trim()][0]?.toUpperCase() ?? 'B');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="${escapeHtml(config.board.colour)}"/><text x="16" y="23" font-family="Arial, Helvetica, sans-serif" font-size="20" font-weight="bold" text-anchor="middle" fill="#ffffff">${letter}</text></svg>\n`;
}

/** Writes every output of the site into `dir`; the writes overlap, as each is small. */
export async function writeSite(dir: string, project: Project, rendered: readonly Page[], builtAt = new Date()): Promise<void> {
  await mkdir(join(dir, 'web', 'assets'), { recursive: true });
  await mkdir(join(dir, 'email'), { recursive: true });
  const writes: Promise<void>[] = [];
  for (const r of rendered) {
    const page = join(dir, 'web', r.briefing.slug);
    writes.push(mkdir(page, { recursive: true }).then(() => writeFile(join(page, 'index.html'), r.web)));
    writes.push(writeFile(join(dir, 'email', `${r.briefing.slug}.html`), r.plain.html));
    writes.push(writeFile(join(dir, 'email', `${r.briefing.slug}.txt`), r.plain.text));
  }
  for (const [path, content] of siteIndex(project, rendered, builtAt)) writes.push(writeFile(join(dir, path), content));
  writes.push(copyFile(searchScript, join(dir, 'web', 'assets', 'minisearch.js')));
  writes.push(writeFile(join(dir, 'web', 'favicon.svg'), favicon(project.config)));
  const logo = project.config.board.logo?.src;
  if (logo && !isWebAddress(logo)) writes.push(copyFile(join(project.root, logo), join(dir, 'web', 'assets', basename(logo))));
  await Promise.all(writes);
}

/** The files that list every briefing (archive, feed, manifest), as paths under the build folder with their content. */
export function siteIndex(project: Project, rendered: readonly Page[], builtAt: Date): [string, string][] {
  const { config, templates, agencies, messages } = project;
  const manifest = { generated: builtAt.toISOString(), base_url: config.base_url, briefings: rendered.map(manifestEntry) };
  return [
    [join('web', 'index.html'), renderArchive(rendered, config, templates, agencies, messages)],
    [join('web', 'feed.xml'), renderFeed(rendered, config, templates, builtAt, messages)],
    ['manifest.json', JSON.stringify(manifest, null, 2) + '\n'],
  ];
}

/**
 * Builds into a fresh folder beside `out` and swaps it in only when everything succeeded,
 * so a failed build leaves the previous site as it was.
 */
/**
 * A build killed between its steps leaves dist.tmp-<pid> (half written) or dist.old-<pid> (the
 * previous site, moved aside). Those of processes no longer running are removed; if the kill came
 * between the two renames, the previous site goes back first so there is always a dist/.
 */
function cleanLeftovers(out: string) {
  const prefix = basename(out);
  let names: string[];
  try {
    names = readdirSync(dirname(out));
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.(tmp|old)-(\d+)$/.exec(name.slice(prefix.length));
    if (!name.startsWith(prefix) || !m || Number(m[2]) === process.pid || isRunning(Number(m[2]))) continue;
    const path = join(dirname(out), name);
    if (m[1] === 'old' && !existsSync(out)) renameSync(path, out);
    else rmSync(path, { recursive: true, force: true });
  }
}

export async function build(options: ProjectOptions & { out?: string; /** Chromium for the PDFs, or false for none. */ chromium?: string | false } = {}): Promise<BuildResult> {
  const started = performance.now();
  const root = resolve(options.root ?? '.');
  const out = resolve(root, options.out ?? 'dist');
  const opened = await openProject(options);
  const problems = [...opened.problems];
  const done = (ok: boolean, rendered: Page[] = [], threads = 1): BuildResult => ({ ok, problems, rendered, threads, out, ms: performance.now() - started });
  if (!opened.project) return done(false);
  const loaded = loadProjectBriefings(opened.project, options);
  problems.push(...loaded.problems);
  if (hasErrors(problems)) return done(false);

  const pdf = options.chromium === false ? undefined : { chromium: options.chromium ?? chromiumPath(), label: opened.project.config.banner_label };
  const noChromium = pdf && pdfAvailable(pdf);
  if (noChromium) problems.push(noChromium);
  const { pages: rendered, threads } = await renderPages(opened.project, loaded.briefings, { pdf: Boolean(pdf && !noChromium) });
  cleanLeftovers(out);
  const temp = `${out}.tmp-${process.pid}`;
  const old = `${out}.old-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(dirname(out), { recursive: true });
  try {
    mkdirSync(temp, { recursive: true });
    await writeSite(temp, opened.project, rendered);
    if (pdf && !noChromium) problems.push(...(await writePdfs(join(temp, 'web'), rendered, pdf, join(out, 'web'))));
    if (existsSync(out)) renameSync(out, old);
    renameSync(temp, out);
    rmSync(old, { recursive: true, force: true });
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    if (!existsSync(out) && existsSync(old)) renameSync(old, out);
    problems.push({ code: 'EWRITE', severity: 'error', file: out, message: `cannot write the build: ${(error as Error).message}` });
    return done(false);
  }
  return done(true, rendered, threads);
}
