import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { build, openProject, renderBySlug } from '../src/build.js';
import { loadConfig, loadMessages } from '../src/config/index.js';
import { plannedContent } from '../src/send/index.js';
import { discussionForm } from '../src/track/discussion.js';
import { unsubscribeForm } from '../src/track/pages.js';
import { configure, repo, tempProject } from './helpers.js';

describe('every built-in phrase comes from the messages file of the language', () => {
  it('a board adds Welsh with messages/cy.yml and language: cy, without touching a template', async () => {
    const dir = tempProject();
    configure(dir, { language: 'cy' });
    mkdirSync(join(dir, 'messages'));
    writeFileSync(join(dir, 'messages', 'cy.yml'), 'full_report: Darllenwch yr adroddiad llawn\nview_online: Gweld yr e-bost hwn mewn tudalen we\nlessons_from: Gwersi o {review}\n');
    const result = await build({ root: dir, chromium: false });
    expect(result.problems).toEqual([]);
    const web = readFileSync(join(dir, 'dist', 'web', 'children-p', 'index.html'), 'utf8');
    const email = readFileSync(join(dir, 'dist', 'email', 'children-p.html'), 'utf8');
    expect(web).toContain('<html lang="cy">');
    expect(web).toContain('Darllenwch yr adroddiad llawn');
    expect(web).not.toContain('Read the full report');
    expect(email).toContain('Gweld yr e-bost hwn mewn tudalen we');
    // The review kind's own heading wins over the general one; a phrase left out stays in English.
    expect(web).toContain('Lessons from Children P');
    expect(web).toContain('Skip to content');
    expect(web).toMatch(/<time datetime="2016-03">Mawrth 2016<\/time>/);
  });

  it("the reader's pages (confirm, unsubscribe) and the reminder's subject take the language's words too", async () => {
    const dir = tempProject();
    configure(dir, { language: 'cy' });
    mkdirSync(join(dir, 'messages'));
    writeFileSync(join(dir, 'messages', 'cy.yml'), 'ack_title: Cadarnhewch eich bod wedi darllen y briff hwn\nunsubscribe_title: Peidio â derbyn y briffiau hyn?\nsubject_reminder: "Nodyn atgoffa:"\n');
    const { config } = loadConfig(join(dir, 'briefcast.yml'));
    const { messages } = loadMessages(dir, 'cy');
    expect(discussionForm(config!, messages!, { title: 'Children P', action: '/a/x', questions: [], values: new Map(), now: Date.now() })).toContain('<h1>Cadarnhewch eich bod wedi darllen y briff hwn</h1>');
    expect(unsubscribeForm(config!, messages!, '/u/x', 'jo@example.org')).toContain('<h1>Peidio â derbyn y briffiau hyn?</h1>');
    const { project } = await openProject({ root: dir });
    const rendered = renderBySlug(project!, 'children-p').rendered!;
    expect(plannedContent({ rendered, agencies: [], webUrl: 'https://w/', dateLabel: () => '1 March 2016' }, { tracked: true, reminderOf: '1 March 2016' }).subject).toBe('Nodyn atgoffa: Learning from Serious Case Reviews – Children P');
  });

  it('the compiled CLI reads the built-in phrases from JSON made at build: the same phrases as the YAML, a board\'s own still over them', async () => {
    const dir = tempProject();
    mkdirSync(join(dir, 'messages'));
    writeFileSync(join(dir, 'messages', 'en-GB.yml'), 'full_report: Read the whole review\n');
    expect(existsSync(join(repo, 'lib', 'messages', 'en-GB.json'))).toBe(true);
    const compiled = (await import(pathToFileURL(join(repo, 'lib', 'config', 'index.js')).href)) as typeof import('../src/config/index.js');
    const fromJson = compiled.loadMessages(dir, 'en-GB');
    expect(fromJson).toEqual(loadMessages(dir, 'en-GB'));
    expect(fromJson.messages?.full_report).toBe('Read the whole review');
  });

  it('the JSON is read only while it is newer than the YAML: an edit to messages/en-GB.yml counts before the next build', async () => {
    // A copy of the compiled code beside its own messages/, so that the repository's stay as they are.
    const copy = mkdtempSync(join(tmpdir(), 'briefcast-messages-'));
    cpSync(join(repo, 'lib'), join(copy, 'lib'), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(copy, 'node_modules'));
    mkdirSync(join(copy, 'messages'));
    const yaml = join(copy, 'messages', 'en-GB.yml');
    const json = join(copy, 'lib', 'messages', 'en-GB.json');
    writeFileSync(yaml, readFileSync(join(repo, 'messages', 'en-GB.yml'), 'utf8').replace(/^full_report: .*$/m, 'full_report: Edited in YAML'));
    writeFileSync(json, JSON.stringify({ ...JSON.parse(readFileSync(json, 'utf8')), full_report: 'From the JSON' }));
    const compiled = (await import(pathToFileURL(join(copy, 'lib', 'config', 'index.js')).href)) as typeof import('../src/config/index.js');
    const phrase = () => compiled.loadMessages(tempProject(), 'en-GB').messages?.full_report;
    const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);
    at(yaml, 1_000_000);
    at(json, 2_000_000);
    expect(phrase()).toBe('From the JSON');
    at(yaml, 3_000_000);
    expect(phrase()).toBe('Edited in YAML');
  });

  it('a misspelt phrase name in a translation is a warning that names it', async () => {
    const dir = tempProject();
    mkdirSync(join(dir, 'messages'));
    writeFileSync(join(dir, 'messages', 'en-GB.yml'), 'full_reprot: Read it all\n');
    const result = await build({ root: dir, chromium: false });
    expect(result.ok).toBe(true);
    expect(result.problems.map((p) => p.message)).toEqual(['full_reprot: unknown key, ignored (did you mean "full_report"?)']);
  });
});

describe('phrases with a reader in them', () => {
  it('the email says whom it was sent to, and the reminder greets the reader by name', async () => {
    const { fill } = await import('../src/render/index.js');
    const { openProject, loadProjectBriefings, renderAll } = await import('../src/build.js');
    const { project } = await openProject({ root: tempProject() });
    const r = renderAll(project!, loadProjectBriefings(project!).briefings)[0]!;
    const values = { ...Object.fromEntries(r.links.map((l) => [`link-${l.n}`, l.url])), web: 'https://w', unsubscribe: 'https://u', ack: 'https://a', pixel: 'https://p', name: 'Jo Bloggs' };
    const variant = { ack: true, pixel: true, recipient: true };
    expect(fill(r.emailFor(['police'], variant).text, values)).toContain('Sent to Jo Bloggs. You receive lscb briefings');
    const reminder = r.reminder(variant, '1 March 2016');
    expect(fill(reminder.html, values)).toContain('Jo Bloggs, we sent you this briefing on 1 March 2016.');
    expect(fill(r.reminder({ ...variant, recipient: false }, '1 March 2016').text, values)).toContain('We sent you this briefing on 1 March 2016.');
  });
});
