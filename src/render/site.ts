import MiniSearch from 'minisearch';
import { phrase, type Config, type Messages } from '../config/index.js';
import { boardView, dateLabel, pageUrl, type Page } from './render.js';
import type { Templates } from './templates.js';

/** MiniSearch must load the index with the options it was built with; the page gets the same. */
const searchOptions = { fields: ['title', 'review', 'summary', 'text', 'tags'], idField: 'slug' };

const newestFirst = (a: Page, b: Page) =>
  (b.briefing.date ?? '').localeCompare(a.briefing.date ?? '') || a.briefing.title.localeCompare(b.briefing.title);


export interface AgencyRef {
  id: string;
  name: string;
}

/** The archive page: every briefing, newest first, filterable by agency and theme, searchable offline. */
export function renderArchive(all: readonly Page[], config: Config, templates: Templates, agencies: readonly AgencyRef[], messages: Messages): string {
  const list = [...all].sort(newestFirst);
  const search = new MiniSearch(searchOptions);
  search.addAll(
    list.map((r) => ({
      slug: r.briefing.slug,
      title: r.briefing.title,
      review: r.briefing.review ?? '',
      summary: r.briefing.summary ?? '',
      tags: r.briefing.tags.join(' '),
      text: r.searchText,
    })),
  );
  const used = new Set(list.flatMap((r) => (r.briefing.agencies === 'all' ? agencies.map((a) => a.id) : r.briefing.agencies)));
  return templates.archive({
    ...boardView(config, './', messages),
    briefings: list.map((r) => ({
      ...r.briefing,
      dateLabel: dateLabel(r.briefing.date, config.language),
      agencyIds: r.briefing.agencies === 'all' ? 'all' : r.briefing.agencies.join(' '),
      agencyLabel: phrase(messages.briefing_for, { agencies: r.briefing.agencies === 'all' ? messages.every_agency : r.agencyNames.join(', ') }),
      tagList: r.briefing.tags.join('|'),
    })),
    agencies: agencies.filter((a) => used.has(a.id)),
    tags: [...new Set(list.flatMap((r) => r.briefing.tags))].sort(),
    archiveDescription: phrase(messages.archive_description, { board: config.board.name }),
    archiveIntro: phrase(messages.archive_intro, { short_name: config.board.short_name }),
    briefingCount: phrase(list.length === 1 ? (messages.count_one ?? messages.count) : messages.count, { n: list.length }),
    // Inside <script>, "</" would end the element early.
    searchIndex: JSON.stringify(search).replace(/<\//g, '<\\/'),
    searchOptions: JSON.stringify(searchOptions),
  });
}

function atomDate(date: string | undefined, fallback: string): string {
  if (!date) return fallback;
  return `${date.length === 7 ? `${date}-01` : date}T00:00:00Z`;
}

export function renderFeed(all: readonly Page[], config: Config, templates: Templates, builtAt: Date, messages: Messages): string {
  const list = [...all].sort(newestFirst);
  const now = builtAt.toISOString().replace(/\.\d+Z$/, 'Z');
  const entries = list.map((r) => ({
    title: r.briefing.title,
    summary: r.briefing.summary,
    tags: r.briefing.tags,
    url: pageUrl(config, r.briefing.slug),
    updated: atomDate(r.briefing.date, now),
  }));
  return templates.feed({
    ...boardView(config, `${config.base_url}/`, messages),
    updated: entries.reduce((max, e) => (e.updated > max ? e.updated : max), entries[0]?.updated ?? now),
    briefings: entries,
  });
}
