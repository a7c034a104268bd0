import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/build.js';
import { tempProject } from './helpers.js';

// The briefing as a manager received it (a copy of shared/seed, so the repository's tests stand alone).
const seed = readFileSync(join(import.meta.dirname, 'fixtures', 'children-p-5-min-briefing.txt'), 'utf8');
/** The 13 lessons as the seed has them, whitespace folded. */
const lessons = [...seed.matchAll(/^\s+\d+\.\s+(.+)$/gm)].map((m) => m[1]!.replace(/\s+/g, ' ').trim());
const fold = (s: string) =>
  s
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

describe('Children P, built from briefings/children-p.md', () => {
  const dir = tempProject();
  let html: string, text: string, web: string, manifest: { briefings: { slug: string; lessons: unknown[]; links: { url: string }[] }[] };
  beforeAll(async () => {
    const result = await build({ root: dir });
    expect(result.problems).toEqual([]);
    html = readFileSync(join(dir, 'dist/email/children-p.html'), 'utf8');
    text = readFileSync(join(dir, 'dist/email/children-p.txt'), 'utf8');
    web = readFileSync(join(dir, 'dist/web/children-p/index.html'), 'utf8');
    manifest = JSON.parse(readFileSync(join(dir, 'dist/manifest.json'), 'utf8'));
  });

  it('the seed has 13 lessons to compare with', () => {
    expect(lessons).toHaveLength(13);
  });

  for (const [name, get] of [
    ['email HTML', () => fold(html)],
    // The text part shows a link's address after its words: "Checklist [https://…]".
    ['text part', () => text.replace(/\s*\[https?:[^\]]+\]/g, '').replace(/\s+/g, ' ')],
    ['web page', () => fold(web)],
  ] as const) {
    it(`the ${name} has all 13 lessons word for word, in order, and the story`, () => {
      const out = get();
      let from = 0;
      for (const lesson of lessons) {
        const at = out.indexOf(lesson.replace(/\s+/g, ' '), from);
        expect(at, `lesson "${lesson.slice(0, 50)}…"`).toBeGreaterThan(from - 1);
        from = at + 1;
      }
      expect(out).toContain('Children P’s story');
      expect(out).toContain('resided with their maternal grandmother and her partner until July 2013');
      expect(out).toContain('Dissemination of Learning');
      expect(out).toContain('A Serious Case Review takes place');
    });
  }

  it('the text part numbers the lessons and shows links as URLs', () => {
    expect(text).toMatch(/^ ?1\. +When a child protection plan/m);
    expect(text).toMatch(/^ ?13\. +This case highlights the need/m);
    expect(text).toContain('http://localhost:4000/children-p/');
    expect(text).toContain('https://www.example.org/cumbria-lscb/scr/children-p-full-report.pdf');
  });

  it('the email follows the seed: web link, banner, title, body, lessons, report, standard paragraphs, contact', () => {
    const order = [
      'View this email in a web page',
      'lscb 5 min briefing',
      'Learning from Serious Case Reviews – Children P',
      'Cumbria LSCB commissioned',
      'Children P’s story',
      'Lessons from Children P',
      'Read the full report',
      'Dissemination of Learning',
      'LSCB@cumbria.gov.uk',
    ];
    const folded = fold(html.slice(html.indexOf('<body')));
    let from = 0;
    for (const s of order) {
      const at = folded.indexOf(s, from);
      expect(at, s).toBeGreaterThanOrEqual(from);
      from = at + s.length;
    }
    expect(html).toContain('href="http://localhost:4000/children-p/"');
    expect(html).toContain('href="https://www.example.org/cumbria-lscb/scr/children-p-full-report.pdf"');
  });

  it('the email is under 102 KB (Gmail clips larger messages), and every image has alt text', () => {
    expect(Buffer.byteLength(html)).toBeLessThan(102 * 1024);
    for (const img of html.match(/<img\b[^>]*>/g) ?? []) expect(img).toMatch(/\balt="/);
  });

  it('the preheader is the summary', () => {
    expect(html).toMatch(/display:none[^>]*>Two siblings lived with sexual abuse and neglect/);
  });

  it('the manifest lists the briefing with its lessons, links and a content hash', () => {
    const entry = manifest.briefings.find((b) => b.slug === 'children-p')!;
    expect(entry.lessons).toHaveLength(13);
    expect(entry.links.map((l) => l.url)).toContain('https://www.example.org/cumbria-lscb/scr/children-p-full-report.pdf');
    expect(entry).toHaveProperty('hash');
  });

  it('the web page is one h1, has lang, a skip link and makes no request to another host', () => {
    expect(web.match(/<h1\b/g)).toHaveLength(1);
    expect(web).toMatch(/<html lang="en-GB">/);
    expect(web).toMatch(/<a class="skip" href="#main">/);
    expect(web).not.toMatch(/<(script|link|img)\b[^>]*(src|href)="https?:/);
    expect(web).toMatch(/@media print/);
  });
});
