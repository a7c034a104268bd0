import type { Heading, Root, RootContent } from 'mdast';
import { gfmAutolinkLiteralFromMarkdown } from 'mdast-util-gfm-autolink-literal';
import { gfmFootnoteFromMarkdown } from 'mdast-util-gfm-footnote';
import { gfmAutolinkLiteral } from 'micromark-extension-gfm-autolink-literal';
import { gfmFootnote } from 'micromark-extension-gfm-footnote';
import { gfmTable } from 'micromark-extension-gfm-table';
import remarkParse from 'remark-parse';
import { unified, type Processor } from 'unified';
import { visit } from 'unist-util-visit';
import type { Problem } from '../problem.js';
import { isSafeImage, isSafeLink, safeImageMessage, safeLinkMessage } from '../safe-url.js';
import type { Briefing } from './schema.js';

/** What `briefcast new` writes where the author has something to say; lint finds it left behind. */
export const PLACEHOLDER = 'REPLACE:';

export interface LintSettings {
  /** The banner label ("5 min briefing"): its minutes are the reading-time limit. */
  label: string;
  wordsPerMinute: number;
}

/**
 * A GFM table as mdast-util-gfm-table reads it: rows of cells, split at every pipe that is not
 * escaped, even inside backticks. That module also sets up mdast-util-to-markdown (about 50
 * modules, 25–35 ms of every `check`) to write tables, which lint never does; test/lint.test.ts
 * holds what lint reads to what remark-gfm reads.
 */
type FromMarkdown = ReturnType<typeof gfmFootnoteFromMarkdown>;
const exit: NonNullable<FromMarkdown['exit']>[string] = function (token) {
  this.exit(token);
};
const gfmTableToRead: FromMarkdown = {
  enter: {
    table(token) {
      this.enter({ type: 'table', children: [] }, token);
    },
    tableRow(token) {
      this.enter({ type: 'tableRow', children: [] }, token);
    },
    tableHeader(token) {
      this.enter({ type: 'tableCell', children: [] }, token);
    },
    tableData(token) {
      this.enter({ type: 'tableCell', children: [] }, token);
    },
  },
  exit: { table: exit, tableRow: exit, tableHeader: exit, tableData: exit },
};

/**
 * The parts of GFM that change what lint finds, as the page reads them: a bare address is a link,
 * and so is one a footnote cites (`[^1]: https://…` would otherwise be a link definition); a table
 * splits its cells at pipes even inside backticks, and the line under it is no heading's underline.
 * A task list or struck text has the same words and links without GFM. remark-gfm would also set
 * up its Markdown writer for every `check`.
 */
function gfmToRead(this: Processor) {
  const data = this.data();
  (data.micromarkExtensions ??= []).push(gfmAutolinkLiteral(), gfmFootnote(), gfmTable());
  (data.fromMarkdownExtensions ??= []).push(gfmAutolinkLiteralFromMarkdown(), gfmFootnoteFromMarkdown(), gfmTableToRead);
}

/** How lint reads Markdown; exported for the test that holds it to remark-gfm's reading. */
export const parser = unified().use(remarkParse).use(gfmToRead).freeze();
/** "7 minute briefing" fits the badge on a phone at 375 px; a sentence does not. */
const maxLabel = 24;
/** `[the full report]` written without `(address)` is shown as text in brackets, not as a link. */
const bracketsWithoutAddress = /\[([^\][]+)\](?![([:])/g;
const vagueLinkText = /^(click here|here|this link|link|read more|more|this)$/i;

function words(text: string): number {
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

function textOf(node: RootContent | Root): string {
  let out = '';
  visit(node, (n) => {
    if ((n.type === 'text' || n.type === 'inlineCode') && 'value' in n) out += ` ${n.value}`;
  });
  return out;
}

/**
 * Warnings a board office wants before sending: each with the file line it is about. They never
 * stop a build; `check --strict` makes them errors.
 */
export function lintBriefing(b: Briefing, settings: LintSettings): Problem[] {
  const problems: Problem[] = [];
  const warn = (code: string, at: { line: number; column?: number } | undefined, message: string) =>
    problems.push({ code, severity: 'warning', file: b.file, line: at?.line ?? 1, column: at?.column ?? 1, message });
  const top = b.places.title;
  const bodyAt = (n: { position?: { start: { line: number; column: number } } }) =>
    n.position ? { line: b.bodyLine + n.position.start.line - 1, column: n.position.start.column } : { line: b.bodyLine };

  const body = parser.parse(b.body);
  const lessons = b.lessons.map((l) => ({ lesson: l, tree: parser.parse(l.markdown), at: b.places[`lessons[${l.n - 1}]`] }));

  // Reading time, for labels that promise one ("5 min briefing", "7 minute briefing").
  const label = b.format ?? settings.label;
  const minutes = /(\d+)\s*min/i.exec(label);
  const total = words(textOf(body)) + lessons.reduce((n, l) => n + words(textOf(l.tree)), 0);
  if (minutes && total / settings.wordsPerMinute > Number(minutes[1])) {
    warn('WREADINGTIME', top, `about ${Math.ceil(total / settings.wordsPerMinute)} minutes to read (${total} words at ${settings.wordsPerMinute} a minute) for a "${label}"`);
  }
  if (label.length > maxLabel) warn('WFORMAT', b.places.format ?? top, `banner label "${label}" is ${label.length} characters: over ${maxLabel} does not fit the badge on a phone`);
  if (b.lessons.length > 15) warn('WLESSONS', b.places.lessons, `${b.lessons.length} lessons: more than 15 is hard to take in; consider a second briefing`);
  for (const { lesson, tree, at } of lessons) {
    const n = words(textOf(tree));
    if (n > 80) warn('WLESSONLENGTH', at, `lesson ${lesson.n}: ${n} words; a lesson over 80 words is hard to act on`);
  }
  if (!b.summary) warn('WSUMMARY', top, 'no summary: the email preheader and the page description will be empty');
  else if (b.summary.length > 150) warn('WSUMMARY', b.places.summary, `summary is ${b.summary.length} characters; inboxes cut the preheader at about 150`);

  type Positioned = { position?: { start: { line: number; column: number } } };
  const checkLinks = (tree: Root, at: (n: Positioned) => { line: number; column?: number } | undefined) => {
    visit(tree, (node) => {
      if (node.type === 'link') {
        const text = textOf(node).trim();
        if (!text) warn('WLINKTEXT', at(node), `a link with no text (${node.url})`);
        else if (vagueLinkText.test(text)) warn('WLINKTEXT', at(node), `link text "${text}" says nothing out of context; name where it goes`);
        if (/^http:\/\//i.test(node.url)) warn('WHTTP', at(node), `${node.url}: use https://`);
      } else if (node.type === 'text') {
        for (const m of node.value.matchAll(bracketsWithoutAddress)) {
          // "[sic]", "[2016]": one word in brackets is an editor's note, not a link.
          if (!/\s/.test(m[1]!.trim())) continue;
          warn('WLINKADDRESS', at(node), `[${m[1]}] has no address: write [${m[1]}](https://…) or leave out the brackets`);
        }
      } else if (node.type === 'image') {
        if (!node.alt?.trim()) warn('WALT', at(node), `an image without alt text (${node.url})`);
      } else if (node.type === 'html' && /<img\b(?![^>]*\balt=)/i.test(node.value)) {
        warn('WALT', at(node), 'an image without alt text');
      }
    });
  };
  checkLinks(body, bodyAt);
  for (const { tree, at } of lessons) checkLinks(tree, () => at);

  // The page's title is its h1; the body's sections start at ## and go one level at a time.
  let previous = 1;
  visit(body, 'heading', (h: Heading) => {
    if (h.depth === 1) warn('WHEADING', bodyAt(h), 'a # heading in the body: the title is the only level-1 heading; use ##');
    else if (h.depth > previous + 1) warn('WHEADING', bodyAt(h), `heading level skipped: h${previous} then h${h.depth}`);
    previous = h.depth;
  });

  if (b.report_url) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(b.report_url).protocol);
    } catch {
      ok = false;
    }
    if (!ok) warn('WREPORTURL', b.places.report_url, `report_url "${b.report_url}" is not a web address`);
    else if (b.report_url.startsWith('http://')) warn('WHTTP', b.places.report_url, `${b.report_url}: use https://`);
  }

  // Links and images that would run as code or leave the web: errors, not warnings.
  for (const { tree, at } of [{ tree: body, at: undefined }, ...lessons]) {
    visit(tree, (n) => {
      if (n.type !== 'link' && n.type !== 'image' && n.type !== 'definition') return;
      const ok = n.type === 'image' ? isSafeImage(n.url) : isSafeLink(n.url);
      if (!ok) problems.push({ code: 'EURL', severity: 'error', file: b.file, ...(at ?? bodyAt(n)), message: `${n.url.slice(0, 60)}: ${n.type === 'image' ? safeImageMessage : `a link ${safeLinkMessage}`}` });
    });
  }

  // Placeholders from `briefcast new`, wherever they were left.
  b.source.split('\n').forEach((line, i) => {
    const col = line.indexOf(PLACEHOLDER);
    if (col >= 0 && !line.trimStart().startsWith('#')) warn('WPLACEHOLDER', { line: i + 1, column: col + 1 }, `placeholder text left from "briefcast new": ${line.trim().slice(0, 60)}`);
  });
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
