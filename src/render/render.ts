import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { RootContent } from 'mdast';
import { compile } from 'html-to-text';
import type { Briefing, Lesson } from '../briefing/index.js';
import { findReviewKind, isWebAddress, phrase, type Audience, type Config, type Messages } from '../config/index.js';
import { inlineHtml, parseMarkdown, toHtml, type Link } from './markdown.js';
import { escapeHtml, fill, slot, toSlotted, type Slotted } from './slots.js';
import type { Templates } from './templates.js';

/** What an email carries for one reader: the parts of "compile once, personalise cheaply". */
export interface EmailVariant {
  /** An acknowledge button (needs the tracking server). */
  ack: boolean;
  /** An open pixel. */
  pixel: boolean;
  /** "Sent to <name>" in the footer. */
  recipient: boolean;
}

export interface Rendered {
  briefing: Briefing;
  links: Link[];
  /** The link to the full report, when there is one. */
  reportLink?: number;
  /** The email and its text part with slots (links, web page, unsubscribe…) to fill per reader: every lesson, labelled. */
  email(variant: EmailVariant): { html: Slotted; text: Slotted };
  /**
   * The email for readers on these agencies' lists: the lessons for everyone and those for any of
   * the agencies, numbered 1, 2, 3… for them. Rendered once per distinct agency set and variant
   * (the order of `agencies` does not matter), never per reader.
   */
  emailFor(agencies: readonly string[], variant: EmailVariant): { html: Slotted; text: Slotted };
  /** The lessons readers on these agencies' lists receive (with the numbers the briefing gives them). */
  lessonsFor(agencies: readonly string[]): Lesson[];
  /** The short reminder to those who have not acknowledged, sent `sentOn` (a date as words). */
  reminder(variant: EmailVariant, sentOn: string): { html: Slotted; text: Slotted };
  /** The short follow-up to those who recorded a discussion: what has changed since? */
  followUp(variant: EmailVariant, sentOn: string): { html: Slotted; text: Slotted };
  /** The reflective questions for teams: the board's, then the briefing's own. */
  questions: string[];
  /** The public web page. */
  web: string;
  /** The email and text as anyone may see them (dist/email): real links, no tracking. */
  plain: { html: string; text: string };
  /** Words a reader reads: the body, the definition, the lessons. */
  words: number;
  /** The briefing's own words (not the board's standard paragraphs), for the archive search. */
  searchText: string;
  hash: string;
  /** What goes before the title in a reminder's or a proof's subject, in the board's language. */
  subjects: { reminder: string; proof: string; followUp: string };
  /** The agencies named, resolved to names for display. */
  agencyNames: string[];
}

/** What the site (page, archive, feed, manifest) needs of a rendered briefing: plain data, so a worker thread can hand it over. */
export type Page = Omit<Rendered, 'email' | 'emailFor' | 'lessonsFor' | 'reminder' | 'followUp'>;

export function toPage({ email: _email, emailFor: _emailFor, lessonsFor: _lessonsFor, reminder: _reminder, followUp: _followUp, ...page }: Rendered): Page {
  return page;
}

/**
 * Pages for the briefings whose index this thread takes from `next`, a counter every render
 * thread of a build shares, until none is left: a slower thread simply renders fewer.
 */
export function renderTaken(briefings: readonly Briefing[], next: Int32Array, ctx: RenderContext): [number, Page][] {
  const pages: [number, Page][] = [];
  for (let i = Atomics.add(next, 0, 1); i < briefings.length; i = Atomics.add(next, 0, 1)) pages.push([i, toPage(renderBriefing(briefings[i]!, ctx))]);
  return pages;
}

export interface RenderContext {
  config: Config;
  templates: Templates;
  /** Agency ids to names, for labels. */
  agencyNames: ReadonlyMap<string, string>;
  messages: Messages;
  /** The board's standard paragraphs, rendered once for the whole build. */
  standard: {
    /** By review kind (its name), the board's definition or the messages file's. */
    definitions: ReadonlyMap<string, string>;
    intro: Readonly<Record<Audience, string[]>>;
    closing?: { heading: string; paragraphs: string[] };
  };
  /** Each page links to its briefing.pdf (the build prints one when Chromium is there). */
  pdf?: boolean;
}

/**
 * Renders what every briefing of the board shares once per build. Links in the board's
 * standard paragraphs are its own (a website, a policy) and are not tracked per briefing.
 */
export function createRenderContext(config: Config, templates: Templates, agencyNames: ReadonlyMap<string, string>, messages: Messages): RenderContext {
  const once = (markdown: string) => {
    const links: Link[] = [];
    const html = toHtml(markdown, links);
    return fill(toSlotted(html), Object.fromEntries(links.map((l) => [`link-${l.n}`, l.url])), escapeHtml);
  };
  const { definitions, intro, closing } = config.standard;
  // The board's own words win: its definitions by type, its intro for its own audience.
  const byKind = new Map(messages.reviews.map((k) => [k.name, k.definition]));
  for (const [type, md] of Object.entries(definitions)) byKind.set(findReviewKind(type, messages.reviews)?.name ?? type, md);
  const boardIntro: Partial<Record<Audience, string[]>> = Array.isArray(intro) ? { [config.audience]: intro } : intro;
  const introFor = (a: Audience) => (boardIntro[a] ?? [messages.intro[a]]).map(once);
  return {
    config,
    templates,
    agencyNames,
    messages,
    standard: {
      definitions: new Map([...byKind].map(([type, md]) => [type, once(md)])),
      intro: { children: introFor('children'), adults: introFor('adults'), all: introFor('all') },
      closing: closing && { heading: closing.heading, paragraphs: closing.paragraphs.map(once) },
    },
  };
}

const formats = new Map<string, { month: Intl.DateTimeFormat; day: Intl.DateTimeFormat }>();

/** "March 2016", "1 March 2016", in the board's language (Welsh: "Mawrth 2016"). */
export function dateLabel(date: string | undefined, language = 'en-GB'): string | undefined {
  if (!date) return undefined;
  let f = formats.get(language);
  if (!f) {
    f = { month: new Intl.DateTimeFormat(language, { month: 'long', year: 'numeric', timeZone: 'UTC' }), day: new Intl.DateTimeFormat(language, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }) };
    formats.set(language, f);
  }
  const d = new Date(date.length === 7 ? `${date}-01T00:00:00Z` : `${date}T00:00:00Z`);
  return (date.length === 7 ? f.month : f.day).format(d);
}

/** Where the board's logo is, seen from `root`: a web address as it is, a local file under assets/. */
export function logoSource(src: string, root: string): string {
  return isWebAddress(src) ? src : `${root}assets/${basename(src)}`;
}

/** What every layout says about the board: its name, address, colours; `root` is where the site is. */
export function boardView(config: Config, root: string, messages: Messages) {
  const logo = config.board.logo;
  return {
    t: messages,
    lang: config.language,
    colour: config.board.colour,
    shortName: config.board.short_name,
    boardName: config.board.name,
    address: config.board.address,
    email: config.board.email,
    phone: config.board.phone,
    logo: logo && { alt: logo.alt, src: logoSource(logo.src, root) },
    root,
  };
}

export function pageUrl(config: Config, slug: string): string {
  return `${config.base_url}/${slug}/`;
}

/** html-to-text compiles its selectors; doing it once saves most of its cost per briefing. */
const toText = compile({
  wordwrap: 78,
  selectors: [
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true, ignoreHref: false } },
    { selector: 'img', format: 'skip' },
  ],
});

function countWords(text: string): number {
  return text.replace(/<[^>]+>/g, ' ').split(/\s+/).filter((w) => /\w/.test(w)).length;
}

/** Renders one briefing: Markdown once, then the layouts that were compiled once for the build. */
export function renderBriefing(briefing: Briefing, ctx: RenderContext): Rendered {
  const { config, templates } = ctx;
  const links: Link[] = [];
  const tree = parseMarkdown(briefing.body);
  const split = openingEnd(tree.children);
  const intro = toHtml(tree.children.slice(0, split) as RootContent[], links);
  const { messages } = ctx;
  const kind = briefing.type ? findReviewKind(briefing.type, messages.reviews) : undefined;
  const definition = (briefing.type && ctx.standard.definitions.get(kind?.name ?? briefing.type)) || '';
  const audience = briefing.audience ?? kind?.audience ?? config.audience;
  const standardIntro = briefing.intro === false ? [] : briefing.intro ? [toHtml(briefing.intro, links)] : ctx.standard.intro[audience];
  const body = toHtml(tree.children.slice(split) as RootContent[], links);
  const lessons = briefing.lessons.map((l) => ({
    n: l.n,
    html: inlineHtml(l.markdown, links, l.n),
    for: l.agencies && phrase(messages.lesson_for, { agencies: l.agencies.map((id) => ctx.agencyNames.get(id) ?? id).join(', ') }),
    agencyIds: l.agencies?.join(' '),
  }));
  // The web page's filter offers the agencies that have lessons of their own.
  const targeted = [...new Set(briefing.lessons.flatMap((l) => l.agencies ?? []))];
  const lessonFilter = targeted.length ? targeted.map((id) => ({ id, name: ctx.agencyNames.get(id) ?? id })) : undefined;
  let reportLink: number | undefined;
  if (briefing.report_url) {
    reportLink = links.length + 1;
    links.push({ n: reportLink, url: briefing.report_url, text: 'Read the full report' });
  }
  const closing = ctx.standard.closing;
  const questions = [...config.evidence.questions, ...(briefing.questions ?? [])];
  const agencyNames = briefing.agencies === 'all' ? [] : briefing.agencies.map((id) => ctx.agencyNames.get(id) ?? id);

  const view = {
    ...boardView(config, `${config.base_url}/`, ctx.messages),
    title: briefing.title,
    summary: briefing.summary,
    // "CSPR" as written; the reader sees the kind's full name.
    type: kind?.name ?? briefing.type,
    date: briefing.date,
    dateLabel: dateLabel(briefing.date, config.language),
    tags: briefing.tags,
    agencyNames,
    banner: briefing.format ?? config.banner_label,
    intro,
    definition,
    standardIntro,
    body,
    lessons,
    lessonFilter,
    pdf: ctx.pdf,
    lessonsHeading: briefing.review ? phrase(kind?.lessons ?? messages.lessons_from, { review: briefing.review }) : messages.lessons,
    whyReceived: phrase(messages.why_received, { short_name: config.board.short_name, board: config.board.name }),
    briefingFor: agencyNames.length ? phrase(messages.briefing_for, { agencies: agencyNames.join(', ') }) : undefined,
    reportLink: reportLink ? slot(`link-${reportLink}`) : undefined,
    closing,
    questions,
    web: slot('web'),
    unsubscribe: slot('unsubscribe'),
  };

  const personal = (variant: EmailVariant) => ({
    ...view,
    ack: variant.ack ? slot('ack') : undefined,
    pixel: variant.pixel ? slot('pixel') : undefined,
    recipient: variant.recipient ? slot('name') : undefined,
    sentTo: variant.recipient ? phrase(ctx.messages.sent_to, { name: slot('name') }) : undefined,
  });
  const renderEmail = (variant: EmailVariant, only: typeof lessons = lessons) => {
    const context = { ...personal(variant), lessons: only };
    return { html: toSlotted(templates.email(context)), text: toSlotted(toText(templates.emailText(context))) };
  };
  const email = (variant: EmailVariant) => renderEmail(variant);
  const lessonsFor = (agencies: readonly string[]) => {
    const theirs = new Set(agencies);
    return briefing.lessons.filter((l) => !l.agencies || l.agencies.some((id) => theirs.has(id)));
  };
  const perAgencySet = new Map<string, { html: Slotted; text: Slotted }>();
  const emailFor = (agencies: readonly string[], variant: EmailVariant) => {
    const key = JSON.stringify([[...new Set(agencies)].sort(), variant.ack, variant.pixel, variant.recipient]);
    let out = perAgencySet.get(key);
    if (!out) {
      const theirs = new Set(lessonsFor(agencies).map((l) => l.n));
      out = renderEmail(variant, lessons.filter((l) => theirs.has(l.n)).map((l, i) => ({ ...l, n: i + 1 })));
      perAgencySet.set(key, out);
    }
    return out;
  };
  // A reminder and a follow-up are the same short email with their own words.
  const short = (variant: EmailVariant, words: { prefix: string; label: string; preview: string; named: string; unnamed: string; button: string; question?: string }, sentOn: string) => {
    const text = phrase(variant.recipient ? words.named : words.unnamed, { name: slot('name'), date: sentOn });
    // reminderText: what a board's own reminder layout, made before follow-ups, fills in.
    const context = { ...personal(variant), ...words, text, reminderText: text };
    return { html: toSlotted(templates.reminder(context)), text: toSlotted(toText(templates.reminderText(context))) };
  };
  const reminder = (variant: EmailVariant, sentOn: string) =>
    short(variant, { prefix: messages.reminder_title, label: messages.reminder_label, preview: messages.reminder_preview, named: messages.reminder_named, unnamed: messages.reminder, button: messages.acknowledge }, sentOn);
  const followUp = (variant: EmailVariant, sentOn: string) =>
    short(variant, { prefix: messages.subject_follow_up, label: messages.follow_up_label, preview: messages.follow_up_preview, named: messages.follow_up_named, unnamed: messages.follow_up, button: messages.follow_up_button, question: messages.follow_up_question }, sentOn);

  const linkValues = Object.fromEntries(links.map((l) => [`link-${l.n}`, l.url]));
  const publicValues = { ...linkValues, web: pageUrl(config, briefing.slug), unsubscribe: `mailto:${config.board.email}?subject=Unsubscribe` };
  const generic = email({ ack: false, pixel: false, recipient: false });
  const plain = { html: fill(generic.html, publicValues, escapeHtml), text: fill(generic.text, publicValues) };
  const web = fill(toSlotted(templates.web({ ...view, ...boardView(config, '../', ctx.messages) })), publicValues, escapeHtml);

  const searchText = [intro, body, ...lessons.map((l) => l.html)].join(' ').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  const words = countWords(searchText) + countWords(definition);
  const hash = createHash('sha256').update(plain.html).update(plain.text).digest('hex').slice(0, 16);
  const subjects = { reminder: messages.subject_reminder, proof: messages.subject_proof, followUp: messages.subject_follow_up };
  return { briefing, links, reportLink, email, emailFor, lessonsFor, reminder, followUp, questions, web, plain, words, searchText, hash, agencyNames, subjects };
}

/**
 * Where the briefing's opening ends: the board's standard paragraphs follow it, before the first
 * section. Headings that come before any paragraph ("## Background") belong to the opening.
 */
function openingEnd(blocks: readonly RootContent[]): number {
  const firstText = blocks.findIndex((n) => n.type !== 'heading');
  if (firstText < 0) return blocks.length;
  const next = blocks.findIndex((n, i) => i > firstText && n.type === 'heading');
  return next < 0 ? blocks.length : next;
}
