import { describe, expect, it } from 'vitest';
import type { Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { lintBriefing, parseBriefing } from '../src/briefing/index.js';
import { parser } from '../src/briefing/lint.js';

const settings = { label: '5 min briefing', wordsPerMinute: 200 };
const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

/** Lints a briefing made of frontmatter lines and a body; returns "line code" for each warning. */
function lint(front: string[], body = 'An opening.\n', label = settings.label) {
  const text = ['---', 'title: A briefing', ...front, '---', '', body].join('\n');
  const loaded = parseBriefing('briefings/x.md', text, {});
  expect(loaded.problems.filter((p) => p.severity === 'error')).toEqual([]);
  return lintBriefing(loaded.briefing!, { ...settings, label }).map((p) => `${p.line} ${p.code} ${p.message}`);
}

const clean = ['summary: A short summary.'];

describe('lint rules: each one fires on a briefing that breaks it, and not on one that keeps it', () => {
  it('a clean briefing has no warnings', () => {
    expect(lint(clean, '## Story\n\nSee [the full report](https://example.org/r.pdf).\n')).toEqual([]);
  });

  it('reading time over the label\'s minutes', () => {
    expect(lint(clean, words(1100))).toEqual([expect.stringMatching(/^2 WREADINGTIME about 6 minutes to read \(1100 words at 200 a minute\) for a "5 min briefing"/)]);
    expect(lint(clean, words(900))).toEqual([]);
    expect(lint([...clean, 'format: 7 minute briefing'], words(1100))).toEqual([]);
  });

  it('more than 15 lessons', () => {
    const lessons = (n: number) => ['lessons:', ...Array.from({ length: n }, (_, i) => `  - Lesson ${i}.`)];
    expect(lint([...clean, ...lessons(16)])).toEqual([expect.stringMatching(/^5 WLESSONS 16 lessons/)]);
    expect(lint([...clean, ...lessons(15)])).toEqual([]);
  });

  it('a lesson over 80 words', () => {
    expect(lint([...clean, 'lessons:', '  - Short.', `  - ${words(81)}`])).toEqual([expect.stringMatching(/^6 WLESSONLENGTH lesson 2: 81 words/)]);
    expect(lint([...clean, 'lessons:', `  - ${words(80)}`])).toEqual([]);
  });

  it('summary missing or over 150 characters', () => {
    expect(lint([])).toEqual([expect.stringMatching(/^2 WSUMMARY no summary/)]);
    expect(lint([`summary: ${'x'.repeat(151)}`])).toEqual([expect.stringMatching(/^3 WSUMMARY summary is 151 characters/)]);
    expect(lint([`summary: ${'x'.repeat(150)}`])).toEqual([]);
  });

  it('a link with no text or "click here"', () => {
    expect(lint(clean, 'Para.\n\n[click here](https://example.org/a) and [](https://example.org/b)\n')).toEqual([
      expect.stringMatching(/^8 WLINKTEXT link text "click here"/),
      expect.stringMatching(/^8 WLINKTEXT a link with no text/),
    ]);
    expect(lint(clean, '[the DASH checklist](https://example.org/a)\n')).toEqual([]);
  });

  it('an image without alt text', () => {
    expect(lint(clean, 'Para.\n\n![](https://example.org/i.png)\n')).toEqual([expect.stringMatching(/^8 WALT an image without alt text/)]);
    expect(lint(clean, '![A chronology](https://example.org/i.png)\n')).toEqual([]);
  });

  it('a heading level skipped, or a # in the body', () => {
    expect(lint(clean, '## Story\n\n#### Detail\n')).toEqual([expect.stringMatching(/^8 WHEADING heading level skipped: h2 then h4/)]);
    expect(lint(clean, '# Story\n')).toEqual([expect.stringMatching(/^6 WHEADING a # heading in the body/)]);
    expect(lint(clean, '## Story\n\n### Detail\n\n## Lessons\n')).toEqual([]);
  });

  it('http:// links', () => {
    expect(lint(clean, '[the report](http://example.org/r.pdf)\n')).toEqual([expect.stringMatching(/^6 WHTTP http:\/\/example\.org\/r\.pdf: use https:\/\//)]);
    expect(lint([...clean, 'report_url: http://example.org/r.pdf'])).toEqual([expect.stringMatching(/^4 WHTTP/)]);
  });

  it('reads links as the page shows them: a bare address, and links in a table, footnote or struck text', () => {
    expect(lint(clean, 'The report is at http://example.org/r.pdf now.\n')).toEqual([expect.stringMatching(/^6 WHTTP http:\/\/example\.org\/r\.pdf: use https:\/\//)]);
    const table = '| Agency | Read |\n| --- | --- |\n| Police | [here](https://example.org/p) |\n';
    expect(lint(clean, table)).toEqual([expect.stringMatching(/^8 WLINKTEXT link text "here"/)]);
    expect(lint(clean, 'Seen twice.[^1]\n\n[^1]: http://example.org/chronology.pdf\n')).toEqual([expect.stringMatching(/^8 WHTTP http:\/\/example\.org\/chronology\.pdf/)]);
    expect(lint(clean, 'Seen ~~once~~ twice: [the report](https://example.org/r.pdf).\n')).toEqual([]);
  });

  it('reads tables as the page does: cells split at pipes inside backticks, words apart without spaces, no heading under a table', () => {
    expect(lint(clean, '|Agency|Contact|\n|---|---|\n|Police|`ref | [click here](http://example.org/p)`|\n')).toEqual([
      expect.stringMatching(/^8 WLINKTEXT link text "click here"/),
      expect.stringMatching(/^8 WHTTP http:\/\/example\.org\/p/),
    ]);
    const rows = Array.from({ length: 300 }, (_, i) => `|Police${i}|yes|Team${i}|North|`).join('\n');
    expect(lint(clean, `## Contacts\n\n|a|b|c|d|\n|-|-|-|-|\n${rows}\n`)).toEqual([expect.stringMatching(/^2 WREADINGTIME .*\(1205 words/)]);
    expect(lint(clean, '## Story\n\n### Agencies\n\n| A | B |\n| - | - |\n| x | y |\n---\n#### Police\n')).toEqual([]);
    expect(lint(clean, '| A | B |\n| - | - |\n| x | y |\nSee http://example.org/r.pdf\n')).toEqual([expect.stringMatching(/^9 WHTTP/)]);
  });

  it('what lint reads of a body (headings, links, images, words) is what remark-gfm reads', () => {
    const gfm = unified().use(remarkParse).use(remarkGfm).freeze();
    // Words as lint counts them: "~~once~~" is struck text to remark-gfm and a word to lint, one word either way.
    const view = (tree: Root) => {
      const out: (string | number)[] = [];
      let words = 0;
      visit(tree, (n) => {
        const line = n.position?.start.line;
        if (n.type === 'heading') out.push(`h${n.depth} ${line}`);
        else if (n.type === 'link') out.push(`link ${n.url} ${line}:${n.position?.start.column}`);
        else if (n.type === 'image') out.push(`image ${n.url} "${n.alt ?? ''}" ${line}`);
        else if (n.type === 'definition') out.push(`definition ${n.url}`);
        else if (n.type === 'text' || n.type === 'inlineCode') words += n.value.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
      });
      return [...out, words];
    };
    const bodies = [
      '|Agency|Contact|Notes|\n|---|---|---|\n|Police|`ref | [click here](http://example.org/p)`|![](https://e.org/i.png)|\n',
      '|a|b|\n|-|-|\n|x|y|\n---\n#### Police\n',
      '| A |\n| - |\n| x |\n===\n\n    [the full report]\n    see http://example.org/\n',
      '| http://example.org/a|b | www.example.org |\n|---|---|\n| [^1] | `a\\|b` |\n\n[^1]: http://example.org/chronology.pdf\n',
      'Seen ~~once~~ twice: [the report](https://example.org/r.pdf), mail board@example.org.\n\n> | q |\n> |---|\n> | [x](https://e.org) |\n',
      '- a\n  | x | y |\n  |---|---|\n  | 1 | [2](https://e.org/2) |\n- b\n',
    ];
    for (const body of bodies) expect(view(parser.parse(body)), body).toEqual(view(gfm.parse(body)));
  });

  it('a report_url that is not a web page', () => {
    expect(lint([...clean, 'report_url: mailto:board@example.org'])).toEqual([expect.stringMatching(/^4 WREPORTURL report_url "mailto:board@example.org" is not a web address/)]);
    expect(lint([...clean, 'report_url: https://example.org/r.pdf'])).toEqual([]);
  });

  it('placeholder text left from new', () => {
    expect(lint(clean, 'REPLACE: the opening.\n')).toEqual([expect.stringMatching(/^6 WPLACEHOLDER placeholder text left from "briefcast new"/)]);
    expect(lint(['summary: "REPLACE: a summary"'])).toEqual([expect.stringMatching(/^3 WPLACEHOLDER/)]);
  });
});
