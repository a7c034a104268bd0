import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expect, it } from 'vitest';
import { cli, tempProject } from './helpers.js';

it('build writes a valid Atom feed, the archive and the manifest, and says what it built', async () => {
  const dir = tempProject();
  const run = await cli(dir, ['build', '--base-url', 'https://briefings.example.org/']);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/children-p {2}\(13 lessons, \d+ words\)/);
  expect(run.stdout).toMatch(/built 1 briefing into .*dist in \d+ ms/);
  const xml = readFileSync(join(dir, 'dist/web/feed.xml'), 'utf8');
  expect(XMLValidator.validate(xml)).toBe(true);
  const feed = new XMLParser({ ignoreAttributes: false }).parse(xml).feed;
  expect(feed['@_xmlns']).toBe('http://www.w3.org/2005/Atom');
  for (const key of ['id', 'title', 'updated', 'author']) expect(feed).toHaveProperty(key);
  expect(feed.updated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  const entry = feed.entry;
  expect(entry.title).toBe('Learning from Serious Case Reviews – Children P');
  expect(entry.id).toBe('https://briefings.example.org/children-p/');
  expect(entry.updated).toBe('2016-03-01T00:00:00Z');
  const archive = readFileSync(join(dir, 'dist/web/index.html'), 'utf8');
  expect(archive).toContain('href="children-p/"');
  expect(archive).toContain('Children P');
  expect(archive).toContain('March 2016');
  expect(archive).toContain('<option value="police">Cumbria Constabulary</option>');
  expect(archive).toContain('<option value="neglect">neglect</option>');
  const email = readFileSync(join(dir, 'dist/email/children-p.html'), 'utf8');
  expect(email).toContain('href="https://briefings.example.org/children-p/"');
});

it('drafts are skipped unless --drafts', async () => {
  const dir = tempProject();
  const text = readFileSync(join(dir, 'briefings/children-p.md'), 'utf8').replace('review: Children P', 'review: Children P\ndraft: true');
  const { writeFileSync, existsSync } = await import('node:fs');
  writeFileSync(join(dir, 'briefings/children-p.md'), text);
  expect((await cli(dir, ['build'])).code).toBe(0);
  expect(existsSync(join(dir, 'dist/web/children-p/index.html'))).toBe(false);
  expect((await cli(dir, ['build', '--drafts'])).code).toBe(0);
  expect(existsSync(join(dir, 'dist/web/children-p/index.html'))).toBe(true);
});

it('a local logo is copied into the site and shown with its alt text; a missing one is a clear error', async () => {
  const dir = tempProject();
  const { writeFileSync, existsSync } = await import('node:fs');
  const { configure } = await import('./helpers.js');
  configure(dir, { board: { logo: { src: 'logo.svg', alt: 'Cumbria LSCB' } } });
  const missing = await cli(dir, ['build']);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('briefcast.yml  board.logo.src: no file logo.svg in the project');
  writeFileSync(join(dir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
  expect((await cli(dir, ['build'])).code).toBe(0);
  expect(existsSync(join(dir, 'dist/web/assets/logo.svg'))).toBe(true);
  expect(readFileSync(join(dir, 'dist/web/children-p/index.html'), 'utf8')).toContain('<img src="../assets/logo.svg" alt="Cumbria LSCB"');
  expect(readFileSync(join(dir, 'dist/web/index.html'), 'utf8')).toContain('<img src="./assets/logo.svg" alt="Cumbria LSCB"');
  expect(readFileSync(join(dir, 'dist/email/children-p.html'), 'utf8')).toMatch(/<img\s+alt="Cumbria LSCB"\s+src="http:\/\/localhost:4000\/assets\/logo\.svg"/);
});
