import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildResult } from '../src/build.js';
import { tempProject } from './helpers.js';

const seed = readFileSync(join(import.meta.dirname, 'fixtures', 'children-p-5-min-briefing.txt'), 'utf8');
const lessons = [...seed.matchAll(/^\s+\d+\.\s+(.+)$/gm)].map((m) => m[1]!.replace(/\s+/g, ' ').trim());

describe('briefing.pdf of Children P, printed by Chromium from the print stylesheet', () => {
  const dir = tempProject();
  let result: BuildResult;
  const pdf = () => join(dir, 'dist', 'web', 'children-p', 'briefing.pdf');
  beforeAll(async () => {
    result = await build({ root: dir });
  });

  it('is built without warnings, and the web page links to it', () => {
    expect(result.problems).toEqual([]);
    expect(readFileSync(join(dir, 'dist', 'web', 'children-p', 'index.html'), 'utf8')).toContain('href="briefing.pdf"');
  });

  it('has all 13 lessons word for word and in order, as selectable text', () => {
    const text = execFileSync('pdftotext', [pdf(), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    let from = 0;
    for (const lesson of lessons) {
      const at = text.indexOf(lesson, from);
      expect(at, `lesson "${lesson.slice(0, 50)}…"`).toBeGreaterThanOrEqual(from);
      from = at + lesson.length;
    }
    expect(text).toContain('5 MIN BRIEFING');
  });

  it('is two sides of A4, tagged, with its links kept', () => {
    const info = execFileSync('pdfinfo', [pdf()], { encoding: 'utf8' });
    expect(info).toMatch(/^Pages:\s+2$/m);
    expect(info).toMatch(/^Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)/m);
    expect(info).toMatch(/^Tagged:\s+yes$/m);
    const raw = readFileSync(pdf(), 'latin1');
    expect(raw).toContain('/URI (https://www.example.org/safelives/dash-risk-checklist)');
  });

  it('a rebuild keeps the PDF of an unchanged page and prints again only the page that changed', async () => {
    // Mark the built PDF: a copy keeps the mark, a fresh print does not.
    const marked = Buffer.concat([readFileSync(pdf()), Buffer.from('\n%kept\n')]);
    writeFileSync(pdf(), marked);
    expect((await build({ root: dir })).ok).toBe(true);
    expect(readFileSync(pdf()).equals(marked)).toBe(true);
    const file = join(dir, 'briefings', 'children-p.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('In April 2015', 'In April 2015 (edited)'));
    expect((await build({ root: dir })).ok).toBe(true);
    expect(readFileSync(pdf()).includes('%kept')).toBe(false);
    expect(execFileSync('pdftotext', [pdf(), '-'], { encoding: 'utf8' })).toContain('(edited)');
  });

  it('where Chromium is absent, the build says so once, makes no PDF and does not link to one', async () => {
    const other = tempProject();
    const run = await build({ root: other, chromium: '/nonexistent/chromium' });
    expect(run.ok).toBe(true);
    expect(run.problems.map((p) => p.code)).toEqual(['WNOCHROMIUM']);
    expect(existsSync(join(other, 'dist', 'web', 'children-p', 'briefing.pdf'))).toBe(false);
    expect(readFileSync(join(other, 'dist', 'web', 'children-p', 'index.html'), 'utf8')).not.toContain('briefing.pdf');
  });
});
