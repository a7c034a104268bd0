import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '../src/build.js';
import { LiveSite } from '../src/watch.js';
import { generateProject } from './generate.js';

/** Issue: edit one briefing among 500; time from the write to its re-rendered output, against a full build. */
export async function benchPreview(n = 500, edits = 7) {
  const dir = generateProject(n);
  try {
    await build({ root: dir, chromium: false });
    const started = performance.now();
    const full = await build({ root: dir, chromium: false });
    const fullMs = performance.now() - started;
    if (!full.ok) throw new Error('bench build failed');

    const site = (await LiveSite.open(dir)) as LiveSite;
    let resolveChange: (() => void) | undefined;
    const stop = await site.watch(() => resolveChange?.());
    const file = join(dir, 'briefings', 'child-0250.md');
    const original = readFileSync(file, 'utf8');
    const times: number[] = [];
    for (let i = 0; i < edits; i++) {
      const changed = new Promise<void>((done) => (resolveChange = done));
      const t0 = performance.now();
      writeFileSync(file, original.replace('In April 2015', `In April 2015 (edit ${i})`));
      await changed;
      times.push(performance.now() - t0);
      if (!site.bySlug('child-0250')!.rendered!.web.includes(`(edit ${i})`)) throw new Error('edit not rendered');
      await new Promise((r) => setTimeout(r, 200));
    }
    await stop();
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const figures = {
      briefings: n,
      full_build_ms: Math.round(fullMs),
      edit_to_render_ms: +median.toFixed(1),
      ratio: +(median / fullMs).toFixed(4),
      goal_ratio: 0.01,
    };
    console.log(`preview: one edit among ${n} re-rendered in ${figures.edit_to_render_ms} ms (median of ${edits}), full build ${figures.full_build_ms} ms; ratio ${figures.ratio} (goal <= 0.01)`);
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
