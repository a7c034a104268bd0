import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fill } from '../src/render/index.js';
import { loadProjectBriefings, openProject, renderAll } from '../src/build.js';
import type { Rendered } from '../src/render/index.js';
import { tempProject } from './helpers.js';

// Baby R: lesson 1 is for everyone, lesson 2 for health, lesson 3 for the police.
const corpus = join(import.meta.dirname, 'fixtures', 'corpus');
const variant = { ack: true, pixel: true, recipient: true };
const values = (r: Rendered) => ({ ...Object.fromEntries(r.links.map((l) => [`link-${l.n}`, l.url])), web: 'https://w', unsubscribe: 'https://u', ack: 'https://a', pixel: 'https://p', name: 'Jo' });
const lessonsIn = (html: string) => [...html.matchAll(/<li value="(\d+)">([^<]+)/g)].map((m) => `${m[1]} ${m[2]!.slice(0, 15)}`);

describe('each agency set gets exactly its lessons, numbered for it, rendered once', () => {
  const dir = tempProject({ briefings: false });
  let r: Rendered;
  beforeAll(async () => {
    cpSync(join(corpus, '01-pasted-title.md'), join(dir, 'briefings', 'baby-r.md'));
    cpSync(join(corpus, 'agencies.yml'), join(dir, 'lists', 'agencies.yml'));
    const { project } = await openProject({ root: dir });
    r = renderAll(project!, loadProjectBriefings(project!).briefings)[0]!;
  });

  it('police: the lesson for everyone and the police lesson, numbered 1 and 2', () => {
    const email = r.emailFor(['police'], variant);
    expect(lessonsIn(fill(email.html, values(r)))).toEqual(['1 Ask both parent', '2 Check the histo']);
    const text = fill(email.text, values(r));
    expect(text).toContain('Check the history of every adult');
    expect(text).not.toContain('bruising');
    expect(r.lessonsFor(['police']).map((l) => l.n)).toEqual([1, 3]);
  });

  it('health: the lesson for everyone and the health lesson, and not the police one', () => {
    const html = fill(r.emailFor(['health'], variant).html, values(r));
    expect(lessonsIn(html)).toEqual(['1 Ask both parent', '2 Share every con']);
    expect(html).not.toContain('Check the history of every adult');
    expect(fill(r.emailFor(['health'], variant).text, values(r))).not.toContain('Check the history');
  });

  it('someone on both lists gets both, and an agency with no lessons of its own only the shared one', () => {
    expect(lessonsIn(fill(r.emailFor(['health', 'police'], variant).html, values(r)))).toEqual(['1 Ask both parent', '2 Share every con', '3 Check the histo']);
    expect(lessonsIn(fill(r.emailFor(['childrens-social-care'], variant).html, values(r)))).toEqual(['1 Ask both parent']);
  });

  it('one render per distinct agency set and variant, whatever the order', () => {
    expect(r.emailFor(['police', 'health'], variant)).toBe(r.emailFor(['health', 'police', 'health'], variant));
    expect(r.emailFor(['police'], variant)).not.toBe(r.emailFor(['police'], { ...variant, pixel: false }));
  });

  it('the web page shows every lesson with its agencies as labels, and a filter by agency', () => {
    expect(r.web).toMatch(/<li value="2" id="lesson-2" data-agencies="health">.*<span class="for">For NHS Integrated Care Board<\/span>/);
    expect(r.web).toMatch(/<li value="3" id="lesson-3" data-agencies="police">.*<span class="for">For Constabulary<\/span>/);
    expect(r.web).toMatch(/<select id="lesson-agency"><option value="">every agency<\/option><option value="health">NHS Integrated Care Board<\/option><option value="police">Constabulary<\/option><\/select>/);
  });
});
