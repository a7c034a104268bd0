import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repo = resolve(import.meta.dirname, '..');

/** A temp project with `n` briefings the size of Children P, each a little different. */
export function generateProject(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'briefcast-bench-'));
  for (const part of ['briefcast.yml', 'lists', 'templates']) cpSync(join(repo, part), join(dir, part), { recursive: true });
  mkdirSync(join(dir, 'briefings'));
  const sample = readFileSync(join(repo, 'briefings', 'children-p.md'), 'utf8');
  for (let i = 0; i < n; i++) {
    const text = sample
      .replace('title: Learning from Serious Case Reviews – Children P', `title: Learning from Serious Case Reviews – Child ${i}`)
      .replace('review: Children P', `review: Child ${i}`)
      .replace(/date: \d{4}-\d{2}/, `date: ${2000 + (i % 25)}-${String((i % 12) + 1).padStart(2, '0')}`)
      .replace('In April 2015', `In April 2015 (case ${i}, see [the chronology](https://www.example.org/chronology/${i}))`);
    writeFileSync(join(dir, 'briefings', `child-${String(i).padStart(4, '0')}.md`), text);
  }
  return dir;
}
