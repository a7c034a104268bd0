import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBriefing } from '../src/briefing/index.js';
import { formatProblem } from '../src/problem.js';
import { cli, tempProject } from './helpers.js';

const agencies = ['police', 'health', 'education'];
const lines = (file: string, text: string) => parseBriefing(file, text, { agencies }).problems.map(formatProblem);

describe('each kind of bad input gives one clear line at the right place', () => {
  it('broken YAML', () => {
    const out = lines('briefings/x.md', '---\ntitle: A\nagencies: [police\nsummary: b\n---\nbody\n');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^briefings\/x\.md:\d+:\d+  invalid YAML: /);
    expect(Number(out[0]!.split(':')[1])).toBeGreaterThanOrEqual(3);
  });

  it('missing title', () => {
    expect(lines('briefings/x.md', '---\nsummary: hello\n---\nbody\n')).toEqual(['briefings/x.md:2:1  title: required']);
  });

  it('a bad date, at the line of the file (not of the frontmatter)', () => {
    expect(lines('briefings/x.md', '---\ntitle: A\n\ndate: 2016-13-01\n---\n')).toEqual([
      'briefings/x.md:4:7  date: expected a date as YYYY-MM-DD or YYYY-MM',
    ]);
    expect(lines('briefings/x.md', '---\ntitle: A\ndate: 2016-02-30\n---\n')).toEqual(['briefings/x.md:3:7  date: no such day']);
  });

  it('an unknown agency gets the one close suggestion, or the known ones when none is close', () => {
    const text = '---\ntitle: A\nagencies:\n  - police\n  - health\n  - polce\n---\n';
    expect(lines('briefings/x.md', text)).toEqual(['briefings/x.md:6:5  agency 3: unknown agency "polce" (did you mean "police"?)']);
    expect(lines('briefings/x.md', '---\ntitle: A\nagencies: [board]\n---\n')).toEqual(['briefings/x.md:3:12  agency 1: unknown agency "board" (known: police, health, education)']);
  });

  it('lessons not a list', () => {
    expect(lines('briefings/x.md', '---\ntitle: A\nlessons: learn more\n---\n')).toEqual([
      'briefings/x.md:3:10  lessons: expected array, got "learn more"',
    ]);
  });

  it('an unknown key is a warning with a suggestion, and the briefing still loads', () => {
    const loaded = parseBriefing('briefings/x.md', '---\ntitle: A\nsumary: typo\n---\n', { agencies });
    expect(loaded.briefing?.title).toBe('A');
    expect(loaded.problems.map(formatProblem)).toEqual(['briefings/x.md:3:1  warning: sumary: unknown key, ignored (did you mean "summary"?)']);
  });

  it('empty values are treated as absent, and each is named with what its absence does', () => {
    const loaded = parseBriefing('briefings/x.md', '---\ntitle: A\ndate: ""\nsummary:\nlessons:\n---\n', { agencies });
    expect(loaded.problems.map(formatProblem)).toEqual([
      'briefings/x.md:3:7  warning: no date: the briefing sorts last and shows no date',
      'briefings/x.md:5:9  warning: no lessons: the briefing has no numbered lessons',
    ]);
    expect(loaded.briefing?.date).toBeUndefined();
    expect(loaded.briefing?.lessons).toEqual([]);
  });

  it('a YAML date value is accepted', async () => {
    const { loadBriefing } = await import('../src/briefing/index.js');
    expect(loadBriefing).toBeTypeOf('function');
    const loaded = parseBriefing('briefings/x.md', '---\ntitle: A\ndate: 2016-03\nlessons: [one, { text: two, agencies: [police] }]\n---\n', { agencies });
    expect(loaded.briefing?.date).toBe('2016-03');
    expect(loaded.briefing?.lessons).toEqual([
      { n: 1, markdown: 'one' },
      { n: 2, markdown: 'two', agencies: ['police'] },
    ]);
  });
});

describe('briefcast check and build on a folder of bad files', () => {
  const dir = tempProject();
  const bad: Record<string, string | Buffer> = {
    'a-broken-yaml.md': '---\ntitle: A\nagencies: [police\n---\n',
    'b-no-title.md': '---\nsummary: hello\n---\nbody\n',
    'c-bad-date.md': '---\ntitle: C\ndate: 2016-13\n---\n',
    'd-unknown-agency.md': '---\ntitle: D\nagencies: [police, polce]\n---\n',
    'e-lessons.md': '---\ntitle: E\nlessons: 3\n---\n',
    'f-unknown-key.md': '---\ntitle: F\ntagz: [x]\n---\n',
    'g-latin1.md': Buffer.concat([Buffer.from('---\ntitle: G\n---\n\nCaf'), Buffer.from([0xe9]), Buffer.from(' au lait\n')]),
    'h-empty.md': '',
  };
  for (const [name, content] of Object.entries(bad)) writeFileSync(join(dir, 'briefings', name), content);

  it('check reports every problem in every file in one run, one line each, and exits 1', async () => {
    const run = await cli(dir, ['check']);
    expect(run.code).toBe(1);
    const out = run.stderr.trim().split('\n');
    expect(out).toContain('briefings/b-no-title.md:2:1  title: required');
    expect(out).toContain('briefings/c-bad-date.md:3:7  date: expected a date as YYYY-MM-DD or YYYY-MM');
    expect(out.find((l) => l.startsWith('briefings/d-unknown-agency.md:3:'))).toMatch(/agency 2: unknown agency "polce" \(did you mean "police"\?\)/);
    expect(out).toContain('briefings/e-lessons.md:3:10  lessons: expected array, got 3');
    expect(out.find((l) => l.startsWith('briefings/f-unknown-key.md:3:1  warning: tagz'))).toContain('did you mean "tags"?');
    expect(out).toContain('briefings/g-latin1.md:5:4  the file is not UTF-8 text: save it as UTF-8');
    expect(out).toContain('briefings/h-empty.md:1:1  the file is empty: a briefing starts with --- and a title');
    expect(out.find((l) => l.startsWith('briefings/a-broken-yaml.md:'))).toMatch(/invalid YAML/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('build exits 1 and leaves dist/ unchanged', async () => {
    const fine = tempProject();
    expect((await cli(fine, ['build'])).code).toBe(0);
    const before = snapshot(join(fine, 'dist'));
    writeFileSync(join(fine, 'briefings', 'broken.md'), bad['b-no-title.md']!);
    const run = await cli(fine, ['build']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('briefings/broken.md:2:1  title: required');
    expect(snapshot(join(fine, 'dist'))).toEqual(before);
    expect(readdirSync(fine).filter((f) => f.startsWith('dist.'))).toEqual([]);
  });
});

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[p] = readFileSync(p, 'utf8') + statSync(p).mtimeMs;
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}
