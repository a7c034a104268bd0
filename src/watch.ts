import { readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { watch as chokidar } from 'chokidar';
import { lintBriefing, loadBriefing, slugify, type Briefing } from './briefing/index.js';
import { openProject, siteIndex, writeSite, type Project } from './build.js';
import { hasErrors, type Problem } from './problem.js';
import { createRenderContext, renderBriefing, type RenderContext, type Rendered } from './render/index.js';

export interface Entry {
  file: string;
  /** The briefing's slug, or the file name's when it cannot be read. */
  slug: string;
  briefing?: Briefing;
  rendered?: Rendered;
  /** Load errors, and lint warnings: what `check` says, in the same words. */
  problems: Problem[];
  /** Bumped on every re-render, so a page knows it is stale. */
  version: number;
  /** The file's modification time and size when it was read. */
  stamp: string;
}

function stampOf(file: string): string {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'gone';
  }
}

export interface Change {
  /** Slugs re-rendered; '*' when templates, configuration or lists changed and everything was. */
  slugs: string[];
  ms: number;
}

/**
 * The site kept in memory for the preview and `build --watch`: layouts compiled once, each
 * briefing re-rendered only when its own file changes, everything when a template, the
 * configuration or the lists do.
 */
export class LiveSite {
  readonly entries = new Map<string, Entry>();
  private ctx!: RenderContext;
  private version = 0;
  problems: Problem[] = [];

  private constructor(
    readonly root: string,
    public project: Project,
  ) {}

  static async open(root = '.'): Promise<LiveSite | { problems: Problem[] }> {
    const { project, problems } = await openProject({ root });
    if (!project) return { problems };
    const site = new LiveSite(resolve(root), project);
    site.problems = problems;
    site.ctx = site.context();
    for (const f of site.files()) site.load(f);
    return site;
  }

  private context(): RenderContext {
    return createRenderContext(this.project.config, this.project.templates, new Map(this.project.agencies.map((a) => [a.id, a.name])), this.project.messages);
  }

  private files(): string[] {
    try {
      return readdirSync(join(this.root, 'briefings'))
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => join(this.root, 'briefings', f));
    } catch {
      return [];
    }
  }

  /** Reads and renders one briefing file. */
  load(file: string): Entry {
    const known = this.project.agencies.length ? this.project.agencies : undefined;
    const loaded = loadBriefing(file, { agencies: known });
    const stamp = stampOf(file);
    const entry: Entry = { file, slug: loaded.briefing?.slug ?? slugify(basename(file, '.md')), problems: loaded.problems, version: ++this.version, stamp };
    if (loaded.briefing && !hasErrors(loaded.problems)) {
      entry.briefing = loaded.briefing;
      entry.problems.push(...lintBriefing(loaded.briefing, { label: this.project.config.banner_label, wordsPerMinute: this.project.config.reading_wpm }));
      entry.rendered = renderBriefing(loaded.briefing, this.ctx);
    }
    this.entries.set(file, entry);
    return entry;
  }

  remove(file: string): void {
    this.entries.delete(file);
  }

  /** Templates, configuration or lists changed: compile again and re-render everything. */
  async reloadProject(): Promise<Problem[]> {
    const { project, problems } = await openProject({ root: this.root });
    this.problems = problems;
    if (!project) return problems;
    this.project = project;
    this.ctx = this.context();
    this.entries.clear();
    for (const f of this.files()) this.load(f);
    return problems;
  }

  bySlug(slug: string): Entry | undefined {
    for (const e of this.entries.values()) if (e.slug === slug) return e;
    return undefined;
  }

  /** Rendered, non-draft briefings, as a build would publish them. */
  published(drafts = false): Rendered[] {
    return [...this.entries.values()].flatMap((e) => (e.rendered && (drafts || !e.briefing!.draft) ? [e.rendered] : []));
  }

  /**
   * Watches the project and keeps the site current; `onChange` hears what was re-rendered.
   * Resolves once watching has begun, with the function that stops it.
   */
  async watch(onChange: (change: Change) => void | Promise<void>): Promise<() => Promise<void>> {
    const watcher = chokidar([join(this.root, 'briefings'), join(this.root, 'templates'), join(this.root, 'briefcast.yml'), join(this.root, 'lists')], {
      ignoreInitial: true,
    });
    let queue = Promise.resolve();
    const handle = (event: string, path: string) => {
      queue = queue.then(() => change(event, path)).catch((error: unknown) => {
        // A failed rebuild (a disk full, a folder removed) is reported; watching goes on.
        console.error(`briefcast: ${(error as Error).message}`);
      });
    };
    const change = async (event: string, path: string) => {
      const started = performance.now();
      let slugs: string[];
      if (path.startsWith(join(this.root, 'briefings')) && path.endsWith('.md')) {
        if (event === 'unlink') {
          slugs = [this.entries.get(path)?.slug ?? ''];
          this.remove(path);
        } else slugs = [this.load(path).slug];
      } else {
        await this.reloadProject();
        slugs = ['*'];
      }
      await onChange({ slugs, ms: performance.now() - started });
      // chokidar drops a second change to a file within 50 ms of the first; look again.
      if (event !== 'unlink' && this.entries.has(path)) {
        setTimeout(() => {
          const entry = this.entries.get(path);
          if (entry && stampOf(path) !== entry.stamp) handle('change', path);
        }, 150).unref();
      }
    };
    watcher.on('all', handle);
    await new Promise<void>((ready) => watcher.once('ready', () => ready()));
    return async () => {
      await watcher.close();
      await queue;
    };
  }
}

async function writeAtomic(path: string, content: string) {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}

/** `build --watch`: writes what changed into the built site, the briefing's own pages first. */
export async function writeChange(site: LiveSite, out: string, change: Change, drafts = false): Promise<void> {
  const published = site.published(drafts);
  // Watching does not reprint PDFs: one that no longer matches its page is removed, not served.
  const dropPdf = (slug: string) => rm(join(out, 'web', slug, 'briefing.pdf'), { force: true });
  if (change.slugs.includes('*')) {
    await writeSite(out, site.project, published);
    await Promise.all(published.map((r) => dropPdf(r.briefing.slug)));
    return;
  }
  for (const slug of change.slugs) {
    const r = published.find((p) => p.briefing.slug === slug);
    if (!r) continue;
    await dropPdf(slug);
    await mkdir(join(out, 'web', slug), { recursive: true });
    await writeAtomic(join(out, 'web', slug, 'index.html'), r.web);
    await writeAtomic(join(out, 'email', `${slug}.html`), r.plain.html);
    await writeAtomic(join(out, 'email', `${slug}.txt`), r.plain.text);
  }
  for (const [path, content] of siteIndex(site.project, published, new Date())) await writeAtomic(join(out, path), content);
}
