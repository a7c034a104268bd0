import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { generateProject } from '../bench/generate.js';
import { build, loadProjectBriefings, openProject, renderAll } from '../src/build.js';

const dir = generateProject(60);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a build of many briefings renders on every core, and every page is what one thread renders', async () => {
  // PDFs are the same with or without threads (they are printed after); here only rendering counts.
  const result = await build({ root: dir, chromium: false });
  expect(result.ok).toBe(true);
  expect(result.threads).toBe(Math.min(2, availableParallelism()));
  const { project } = await openProject({ root: dir });
  const { briefings } = loadProjectBriefings(project!);
  const alone = renderAll(project!, briefings);
  expect(result.rendered.map((r) => r.briefing.slug)).toEqual(alone.map((r) => r.briefing.slug));
  for (const r of alone) {
    expect(readFileSync(join(dir, 'dist', 'web', r.briefing.slug, 'index.html'), 'utf8')).toBe(r.web);
    expect(readFileSync(join(dir, 'dist', 'email', `${r.briefing.slug}.txt`), 'utf8')).toBe(r.plain.text);
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'dist', 'manifest.json'), 'utf8')) as { briefings: { hash: string }[] };
  expect(manifest.briefings.map((b) => b.hash)).toEqual(alone.map((r) => r.hash));
});

it('a second build in the same process renders on the threads kept from the first, with the layouts as they are now', async () => {
  const web = join(dir, 'templates', 'web.html.hbs');
  const before = readFileSync(web, 'utf8');
  try {
    expect((await build({ root: dir, chromium: false })).ok).toBe(true);
    // A preview rebuilds after an edit to a layout: every page, whichever thread rendered it, shows it.
    writeFileSync(web, before.replace('</body>', '<p>edited-layout-marker</p></body>'));
    const second = await build({ root: dir, chromium: false });
    expect(second.ok).toBe(true);
    expect(second.threads).toBe(Math.min(2, availableParallelism()));
    for (const r of second.rendered) expect(readFileSync(join(dir, 'dist', 'web', r.briefing.slug, 'index.html'), 'utf8')).toContain('edited-layout-marker');
  } finally {
    writeFileSync(web, before);
  }
});
