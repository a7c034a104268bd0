import { rmSync } from 'node:fs';
import { build, loadProjectBriefings, openProject } from '../src/build.js';
import { generateProject } from './generate.js';
import { toHtml, inlineHtml, type Link } from '../src/render/markdown.js';

/**
 * Issue: build 500 briefings; compare with unified alone on the same bodies, in the same run (medians of three).
 * Without PDFs: Chromium prints those after the site is written, and a rebuild keeps an unchanged page's PDF.
 */
export async function benchBuild(n = 500) {
  const dir = generateProject(n);
  try {
    // Warm both paths once so neither pays for module loading or JIT in the timed run.
    await build({ root: dir, chromium: false });
    const opened = await openProject({ root: dir });
    const { briefings } = loadProjectBriefings(opened.project!);

    // Each side three times, alternating, and the median of each: the disk and the machine are shared.
    const unifiedRuns: number[] = [];
    const buildRuns: number[] = [];
    let threads = 1;
    for (let round = 0; round < 3; round++) {
      const unifiedStart = performance.now();
      for (const b of briefings) {
        const links: Link[] = [];
        toHtml(b.body, links);
        for (const l of b.lessons) inlineHtml(l.markdown, links, l.n);
      }
      unifiedRuns.push(performance.now() - unifiedStart);
      const buildStart = performance.now();
      const result = await build({ root: dir, chromium: false });
      buildRuns.push(performance.now() - buildStart);
      if (!result.ok) throw new Error('bench build failed');
      threads = result.threads;
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
    const unifiedMs = median(unifiedRuns);
    const buildMs = median(buildRuns);
    const opened2 = await openProject({ root: dir });

    const figures = {
      briefings: n,
      build_ms_per_briefing: +(buildMs / n).toFixed(3),
      unified_ms_per_briefing: +(unifiedMs / n).toFixed(3),
      ratio: +(buildMs / unifiedMs).toFixed(2),
      goal_ratio: 1.5,
      // The build renders on every core; unified alone is measured on one thread.
      threads,
      mjml_compiles: opened2.project!.templates.mjmlCompiles,
      // The email and the reminder: once each per build, never per briefing.
      mjml_templates: 2,
    };
    console.log(
      `build: ${n} briefings, ${figures.build_ms_per_briefing} ms/briefing whole build, ${figures.unified_ms_per_briefing} ms/briefing unified alone, ratio ${figures.ratio} (goal <= 1.5) on ${threads} threads, MJML compiled ${figures.mjml_compiles} time(s) per build for ${figures.mjml_templates} templates (goal: once per template)`,
    );
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
