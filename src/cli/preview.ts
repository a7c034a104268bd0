import type { AddressInfo } from 'node:net';
import { relative } from 'node:path';
import { formatProblem, plainErrno } from '../problem.js';
import { createPreviewServer } from '../preview/index.js';
import { LiveSite, writeChange } from '../watch.js';
import { fail } from './output.js';
import { sendProof } from './send.js';

async function openSite(): Promise<LiveSite> {
  const site = await LiveSite.open('.');
  if (!(site instanceof LiveSite)) fail(site.problems);
  return site;
}

export async function previewCommand(slug: string | undefined, options: { port: number; host?: string }): Promise<void> {
  const site = await openSite();
  const preview = createPreviewServer({ site, sendProof: (rendered, to) => sendProof(site.root, site.project.config, rendered, to), hosts: options.host ? [options.host] : [] });
  await new Promise<void>((ready, failed) => {
    preview.server.once('error', failed);
    preview.server.listen(options.port, options.host ?? '127.0.0.1', () => ready());
  }).catch((error: NodeJS.ErrnoException) => fail(`cannot listen on port ${options.port}: ${error.code ? plainErrno(error.code) : error.message}`, 'ELISTEN'));
  const stop = await site.watch((change) => {
    const names = change.slugs.includes('*') ? 'everything' : change.slugs.join(', ');
    console.log(`re-rendered ${names} in ${Math.round(change.ms)} ms`);
    for (const s of change.slugs) {
      const entry = s === '*' ? undefined : site.bySlug(s);
      for (const p of entry?.problems ?? site.problems) console.error(formatProblem({ ...p, file: p.file && relative(site.root, p.file) }));
    }
    preview.notify(change);
  });
  const { port } = preview.server.address() as AddressInfo;
  console.log(`preview on http://${options.host ?? 'localhost'}:${port}/${slug ?? ''} (saving a briefing, a template or briefcast.yml reloads it; Ctrl-C to stop)`);
  const quit = async () => {
    await stop();
    preview.server.closeAllConnections();
    preview.server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void quit());
  process.once('SIGTERM', () => void quit());
}

export async function watchBuild(out: string, options: { drafts?: boolean }): Promise<void> {
  const site = await openSite();
  await site.watch(async (change) => {
    await writeChange(site, out, change, options.drafts);
    const problems = change.slugs.flatMap((s) => site.bySlug(s)?.problems.filter((p) => p.severity === 'error') ?? []);
    for (const p of problems) console.error(formatProblem({ ...p, file: p.file && relative(site.root, p.file) }));
    console.log(`rebuilt ${change.slugs.includes('*') ? 'everything' : change.slugs.join(', ')} in ${Math.round(change.ms)} ms`);
  });
  console.log(`watching briefings/, templates/, lists/ and briefcast.yml (Ctrl-C to stop)`);
}
