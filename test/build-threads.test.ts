import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { generateProject } from '../bench/generate.js';
import { build, loadProjectBriefings, openProject, renderAll, renderPages } from '../src/build.js';

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

it('two builds at once in one process each get their own pages from the shared render threads', async () => {
  const { project } = await openProject({ root: dir });
  const { briefings } = loadProjectBriefings(project!);
  const reversed = [...briefings].reverse();
  // A preview that rebuilds while a build runs: each reply of a kept thread must reach the build that asked.
  const [a, b] = await Promise.all([renderPages(project!, briefings), renderPages(project!, reversed)]);
  expect(a.pages.map((p) => p.briefing.slug)).toEqual(briefings.map((x) => x.slug));
  expect(b.pages.map((p) => p.briefing.slug)).toEqual(reversed.map((x) => x.slug));
});

it('a process whose only work is two builds at once stays up until both are rendered', () => {
  // The kept threads are unref'd when idle: one build's answer must not let the process end under the other.
  const script = `const { openProject, loadProjectBriefings, renderPages } = await import(${JSON.stringify(new URL('../lib/build.js', import.meta.url).href)});
const { project } = await openProject({ root: ${JSON.stringify(dir)} });
const { briefings } = loadProjectBriefings(project);
const [a, b] = await Promise.all([renderPages(project, briefings), renderPages(project, briefings.slice(0, 50))]);
console.log(JSON.stringify([a.pages.filter(Boolean).length, b.pages.filter(Boolean).length, a.threads]));`;
  const file = join(dir, 'two-builds.mjs');
  writeFileSync(file, script);
  const out = execFileSync(process.execPath, [file], { encoding: 'utf8' });
  expect(JSON.parse(out)).toEqual([60, 50, Math.min(2, availableParallelism())]);
});
