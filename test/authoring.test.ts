import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import matter from 'gray-matter';
import { parse } from 'yaml';
import { expect, it } from 'vitest';
import { cli, repo, tempProject } from './helpers.js';

it('new writes a briefing that passes check with warnings for its placeholders, and refuses to overwrite it', async () => {
  const dir = tempProject({ briefings: false });
  const made = await cli(dir, ['new', 'Learning from Serious Case Reviews – Child Q']);
  expect(made.code, made.stderr).toBe(0);
  const file = join(dir, 'briefings', 'learning-from-serious-case-reviews-child-q.md');
  expect(existsSync(file)).toBe(true);
  const text = readFileSync(file, 'utf8');
  for (const field of ['title', 'review', 'type', 'date', 'summary', 'report_url', 'agencies', 'lessons', 'tags', 'format', 'send_by', 'draft']) {
    expect(text, field).toMatch(new RegExp(`^# .+\\n${field}:`, 'm'));
  }
  expect(text).toContain('  - police  # Cumbria Constabulary');
  expect(text).toContain('## Child Q’s story');

  const check = await cli(dir, ['check']);
  expect(check.code, check.stderr).toBe(0);
  expect(check.stdout).toMatch(/1 briefing checked: 0 errors, \d+ warnings?/);
  expect(check.stderr).toMatch(/learning-from-serious-case-reviews-child-q\.md:\d+:\d+  warning: placeholder text left from "briefcast new"/);
  expect((await cli(dir, ['check', '--strict'])).code).toBe(1);

  const again = await cli(dir, ['new', 'Learning from Serious Case Reviews – Child Q']);
  expect(again.code).toBe(1);
  expect(again.stderr).toBe('briefcast: briefings/learning-from-serious-case-reviews-child-q.md already exists; choose another title or edit that file\n');
  expect(readFileSync(file, 'utf8')).toBe(text);
  expect(readdirSync(join(dir, 'briefings'))).toHaveLength(1);
});

it('new takes the kind of review and its wording from the title, and marks a guess with REPLACE:', async () => {
  const dir = tempProject({ briefings: false });
  expect((await cli(dir, ['new', 'Safeguarding Adults Review – Brian'])).code).toBe(0);
  const sar = readFileSync(join(dir, 'briefings', 'safeguarding-adults-review-brian.md'), 'utf8');
  expect(sar).toMatch(/^type: Safeguarding Adults Review$/m);
  expect(sar).toMatch(/^audience: adults$/m);
  expect(sar).toContain('the lessons are headed "Learning from Brian"');
  expect(sar).toContain('identify the person, their family or carers');
  expect(sar).not.toMatch(/the child\b|children and families/i);
  expect((await cli(dir, ['new', 'Learning from Serious Case Reviews – Child Q'])).code).toBe(0);
  expect(readFileSync(join(dir, 'briefings', 'learning-from-serious-case-reviews-child-q.md'), 'utf8')).toMatch(/^type: Serious Case Review\n# .*\naudience: children$/m);
  expect((await cli(dir, ['new', 'Baby T'])).code).toBe(0);
  expect(readFileSync(join(dir, 'briefings', 'baby-t.md'), 'utf8')).toMatch(/^type: Serious Case Review {2}# REPLACE: the kind of review \(a guess\)$/m);
});

it('the JSON Schema from `briefcast schema` validates the sample frontmatter and rejects a bad one', async () => {
  const dir = tempProject();
  const run = await cli(dir, ['schema']);
  expect(run.code).toBe(0);
  const schema = JSON.parse(readFileSync(join(dir, 'briefing.schema.json'), 'utf8'));
  const validate = new Ajv2020({ strict: false }).compile(schema);
  const sample = matter(readFileSync(join(repo, 'briefings', 'children-p.md'), 'utf8'), { engines: { yaml: (text) => parse(text) as object } }).data;
  expect(validate(sample), JSON.stringify(validate.errors)).toBe(true);
  expect(validate({ ...sample, date: '2016-13' })).toBe(false);
  expect(validate({ ...sample, lessons: 'not a list' })).toBe(false);
  expect(validate({ summary: 'no title' })).toBe(false);
  expect(validate({ ...sample, sumary: 'typo' })).toBe(false);
});
