import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { build } from '../src/build.js';
import { tempProject } from './helpers.js';

it('raw HTML in a briefing never reaches a reader as script', async () => {
  const dir = tempProject();
  writeFileSync(
    join(dir, 'briefings', 'hostile.md'),
    [
      '---',
      'title: Hostile',
      'lessons:',
      '  - "Lesson <script>alert(2)</script> with <img src=x onerror=alert(3)>"',
      '---',
      '',
      'Hello <script>alert(1)</script> and <img src="x.png" onerror="alert(1)" alt="x">.',
      '',
      '<a href="javascript:alert(1)">js link</a> [md js](javascript:alert(4)) and <sup>kept</sup>',
      '',
      '<iframe src="https://evil.example"></iframe><style>body{display:none}</style>',
      '',
    ].join('\n'),
  );
  const result = await build({ root: dir });
  expect(result.ok).toBe(true);
  const outputs: string[] = [];
  const walk = (d: string) =>
    readdirSync(d).forEach((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : outputs.push(join(d, f))));
  walk(join(dir, 'dist'));
  const hostile = outputs.filter((f) => f.includes('hostile') || f.endsWith('manifest.json') || f.endsWith('web/index.html'));
  expect(hostile.length).toBeGreaterThanOrEqual(4);
  for (const file of hostile.filter((f) => !f.endsWith('.json'))) {
    const text = readFileSync(file, 'utf8');
    expect(text, file).not.toMatch(/<script>alert/);
    expect(text, file).not.toMatch(/onerror/i);
    expect(text, file).not.toMatch(/javascript:/i);
    expect(text, file).not.toMatch(/<iframe/i);
    expect(text, file).not.toContain('body{display:none}');
  }
  const page = readFileSync(join(dir, 'dist/web/hostile/index.html'), 'utf8');
  expect(page).toContain('<sup>kept</sup>');
});
