import { cpSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintBriefing } from '../src/briefing/index.js';
import { build, type BuildResult } from '../src/build.js';
import { tempProject } from './helpers.js';

// Six briefings written the ways boards write them (pasted titles, agency names, adults' reviews,
// bare numbered sections, an audit, Welsh review types), built as a board would build them.
const corpus = join(import.meta.dirname, 'fixtures', 'corpus');
const fold = (s: string) => s.replace(/<[^>]+>/g, ' ').replace(/&#x27;|&#39;/g, "'").replace(/\s+/g, ' ');

describe('a corpus of briefings as boards write them', () => {
  const dir = tempProject({ briefings: false });
  let result: BuildResult;
  const page = (slug: string) => readFileSync(join(dir, 'dist', 'web', slug, 'index.html'), 'utf8');
  const codes = (file: string) => result.problems.filter((p) => p.file === `briefings/${file}`).map((p) => p.code).sort();
  const inOrder = (text: string, parts: string[]) => {
    let from = 0;
    for (const part of parts) {
      const at = text.indexOf(part, from);
      expect(at, `"${part}" after position ${from}`).toBeGreaterThanOrEqual(from);
      from = at + part.length;
    }
  };
  beforeAll(async () => {
    cpSync(corpus, join(dir, 'briefings'), { recursive: true, filter: (p) => !p.endsWith('.yml') });
    cpSync(join(corpus, 'agencies.yml'), join(dir, 'lists', 'agencies.yml'));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      result = await build({ root: dir, chromium: false });
    } finally {
      process.chdir(cwd);
    }
  });

  it('builds all six with no errors', () => {
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(result.ok).toBe(true);
    expect(readdirSync(join(dir, 'dist', 'web')).filter((f) => /^\d|-/.test(f))).toHaveLength(6);
  });

  it('resolves agencies written by name, alias, "the", or with the roles in brackets', () => {
    const bySlug = new Map(result.rendered.map((r) => [r.briefing.slug, r.briefing]));
    expect(bySlug.get('01-pasted-title')!.agencies).toEqual(['police', 'childrens-social-care', 'health']);
    expect(bySlug.get('01-pasted-title')!.lessons.map((l) => l.agencies)).toEqual([undefined, ['health'], ['police']]);
    expect(bySlug.get('02-adults-sar')!.agencies).toEqual(['adult-social-care', 'health', 'housing']);
    expect(bySlug.get('05-rapid-review-no-intro')!.agencies).toEqual(['police', 'education', 'childrens-social-care']);
  });

  it('a pasted # title is absorbed with a warning: one h1, and the opening comes first', () => {
    expect(codes('01-pasted-title.md')).toContain('WTITLEH1');
    expect(codes('06-setext-wales.md')).toContain('WTITLEH1');
    for (const slug of ['01-pasted-title', '06-setext-wales']) {
      const html = page(slug);
      expect(html.match(/<h1\b/g)).toHaveLength(1);
      expect(html).not.toMatch(/<h1[^>]*>Family W</);
    }
    inOrder(fold(page('01-pasted-title')), ['Baby R was eight weeks old', 'A Child Safeguarding Practice Review is held', 'If you work with children and families in Cumbria', 'What happened']);
  });

  it('each kind of review gets its definition, its lesson heading, and the intro of its audience', () => {
    const adults = fold(page('02-adults-sar'));
    expect(adults).toContain('section 44 of the Care Act 2014');
    expect(adults).toContain('If you work with adults who may have care and support needs');
    expect(adults).not.toMatch(/children and families/);
    expect(adults).toContain('Learning from Brian');
    expect(fold(page('03-seven-minute-bare-sections'))).toContain('section 9 of the Domestic Violence, Crime and Victims Act 2004');
    expect(fold(page('06-setext-wales'))).toContain('is held in Wales under the Social Services and Well-being (Wales) Act 2014');
    const audit = fold(page('04-themed-audit'));
    expect(audit).toContain('What the audit found');
    expect(audit).toContain('Every agency in the partnership took part in this audit.');
    expect(audit).not.toContain('If you work with');
    const rapid = fold(page('05-rapid-review-no-intro'));
    expect(rapid).toContain('Immediate learning from Child S');
    expect(rapid).not.toContain('If you work with');
  });

  it('bare numbered sections: the first one is the opening, then the standard paragraphs', () => {
    inOrder(fold(page('03-seven-minute-bare-sections')), ['1. Background', 'Ms T was 34', 'A Domestic Homicide Review is held', 'There may be additional specific actions', '2. Why it matters']);
    expect(page('03-seven-minute-bare-sections')).toContain('7 minute briefing');
  });

  it('warns by name about empty values and brackets with no address', () => {
    const lint = result.rendered.flatMap((r) => lintBriefing(r.briefing, { label: '5 min briefing', wordsPerMinute: 200 }));
    const messages = [...result.problems, ...lint].map((p) => `${p.file}:${p.line}  ${p.message}`);
    expect(messages).toContain('briefings/03-seven-minute-bare-sections.md:6  no date: the briefing sorts last and shows no date');
    expect(messages).toContain('briefings/01-pasted-title.md:7  no report_url: the briefing has no link to the full report');
    expect(messages).toContain('briefings/03-seven-minute-bare-sections.md:25  [the full report] has no address: write [the full report](https://…) or leave out the brackets');
  });
});
