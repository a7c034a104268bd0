import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { bin, tempProject } from './helpers.js';

it('build --watch re-renders only the briefing that changed, and everything when a template does', async () => {
  const dir = tempProject();
  writeFileSync(join(dir, 'briefings', 'other.md'), '---\ntitle: Another briefing\nsummary: A second one.\n---\n\nIts opening.\n');
  const child = spawn(process.execPath, [bin, 'build', '--watch'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (c) => (out += c));
  let out = '';
  let wake = () => undefined as unknown;
  child.stdout!.on('data', (c) => ((out += c), wake()));
  const waitFor = (text: string) =>
    new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no "${text}" in: ${JSON.stringify(out)}`)), 20_000);
      wake = () => out.includes(text) && (clearTimeout(timer), done());
      wake();
    });
  try {
    await waitFor('watching briefings/');
    const otherPage = join(dir, 'dist', 'web', 'other', 'index.html');
    const otherBefore = statSync(otherPage).mtimeMs;
    const file = join(dir, 'briefings', 'children-p.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('Children P’s story', 'Children P’s story, revised'));
    await waitFor('rebuilt children-p in');
    expect(readFileSync(join(dir, 'dist', 'web', 'children-p', 'index.html'), 'utf8')).toContain('Children P’s story, revised');
    expect(readFileSync(join(dir, 'dist', 'email', 'children-p.txt'), 'utf8')).toContain('Children P’s story, revised');
    expect(statSync(otherPage).mtimeMs).toBe(otherBefore);
    // The first build printed both; the changed one's PDF no longer matches its page, so it goes.
    expect(existsSync(join(dir, 'dist', 'web', 'children-p', 'briefing.pdf'))).toBe(false);
    expect(existsSync(join(dir, 'dist', 'web', 'other', 'briefing.pdf'))).toBe(true);

    const partial = join(dir, 'templates', 'partials', 'footer.hbs');
    writeFileSync(partial, readFileSync(partial, 'utf8').replace('{{t.all_briefings}}', 'Every briefing'));
    await waitFor('rebuilt everything in');
    expect(readFileSync(otherPage, 'utf8')).toContain('Every briefing');
  } finally {
    child.kill('SIGTERM');
  }
});
