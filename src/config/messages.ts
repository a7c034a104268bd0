import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { hasErrors, type Problem } from '../problem.js';
import { parseYaml, validate } from '../yaml-source.js';
import { normaliseAgency as normalise } from '../words.js';

import { audiences } from './schema.js';

export type Audience = (typeof audiences)[number];

const text = z.string().min(1);

export const reviewKindSchema = z
  .object({
    name: text,
    aliases: z.array(text).default([]),
    audience: z.enum(audiences),
    /** The lessons' heading; {review} is the review's name. */
    lessons: text,
    /** What the review is, with its statutory basis, in one sentence (Markdown). */
    definition: text,
  })
  .strict();

/** Every text briefcast writes itself: one file per language, messages/<language>.yml. */
export const messagesSchema = z
  .object({
    banner_briefings: text,
    skip_to_content: text,
    view_online_question: text,
    view_online: text,
    view_online_text: text,
    full_report_here: text,
    full_report: text,
    acknowledge: text,
    acknowledge_text: text,
    lessons: text,
    lessons_from: text,
    lesson_for: text,
    briefing_for: text,
    lesson_filter: text,
    lesson_filter_all: text,
    lesson_filter_count: text,
    pdf: text,
    themes: text,
    email: text,
    telephone: text,
    sent_to: text,
    why_received: text,
    unsubscribe: text,
    all_briefings: text,
    atom_feed: text,
    archive_title: text,
    archive_heading: text,
    archive_description: text,
    archive_intro: text,
    search: text,
    agency: text,
    all_agencies: text,
    every_agency: text,
    theme: text,
    all_themes: text,
    count: text,
    /** The count when there is one briefing; a messages file without it uses `count`. */
    count_one: text.optional(),
    count_of: text,
    reminder_title: text,
    reminder_label: text,
    reminder_preview: text,
    reminder_named: text,
    reminder: text,
    read_briefing: text,
    subject_reminder: text,
    subject_proof: text,
    ack_title: text,
    ack_shared: text,
    optional: text,
    ack_comment: text,
    ack_comment_hint: text,
    thanks_title: text,
    ack_recorded: text,
    read_again: text,
    unsubscribe_title: text,
    unsubscribe_explain: text,
    unsubscribed_title: text,
    unsubscribed_explain: text,
    questions_heading: text,
    questions_intro: text,
    discuss_link: text,
    discuss_title: text,
    discuss_read_only: text,
    discuss_heading: text,
    discuss_intro: text,
    discussed_on: text,
    discuss_people: text,
    discuss_people_hint: text,
    discuss_answers: text,
    discuss_actions: text,
    discuss_actions_hint: text,
    discuss_action: text,
    discuss_action_text: text,
    discuss_action_owner: text,
    discuss_action_due: text,
    discuss_comment: text,
    discuss_save: text,
    discuss_recorded: text,
    discuss_recorded_unnamed: text,
    error_summary: text,
    error_date: text,
    error_date_before: text,
    error_due: text,
    error_people: text,
    error_too_long: text,
    error_action_missing: text,
    error_action_changed: text,
    follow_up_label: text,
    follow_up_title: text,
    follow_up_question: text,
    follow_up_preview: text,
    follow_up_named: text,
    follow_up: text,
    follow_up_button: text,
    follow_up_done: text,
    follow_up_save: text,
    follow_up_recorded: text,
    answer_yes: text,
    answer_no: text,
    subject_follow_up: text,
    intro: z.object({ children: text, adults: text, all: text }).strict(),
    reviews: z.array(reviewKindSchema),
  })
  .strict();

export type Messages = z.infer<typeof messagesSchema>;
export type ReviewKind = z.infer<typeof reviewKindSchema>;

const builtIn = resolve(import.meta.dirname, '..', '..', 'messages');
/**
 * The same files as JSON, made by scripts/build.js into lib/messages: every command reads them,
 * and 11 KB of YAML takes 15 ms to parse at start-up where JSON takes 0.2. Running the sources
 * (tsx, tests) there is none, and the YAML is read.
 */
const builtInJson = resolve(import.meta.dirname, '..', 'messages');

function read(path: string, problems: Problem[]): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  const file = relative(process.cwd(), path) || path;
  const source = parseYaml(file, readFileSync(path, 'utf8'));
  problems.push(...source.problems);
  if (hasErrors(source.problems)) return undefined;
  const data = source.data;
  return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
}

function readBuiltInJson(path: string): Record<string, unknown> | undefined {
  if (dirname(path) !== builtIn) return undefined;
  const json = join(builtInJson, basename(path, '.yml') + '.json');
  const made = statSync(json, { throwIfNoEntry: false });
  const source = statSync(path, { throwIfNoEntry: false });
  // Only if made after the YAML was last changed: in the folder briefcast came in, these are also
  // the project's own messages, and a board's edit must count before the next build. A YAML gone
  // since is read (and reported) as gone.
  if (!made || !source || made.mtimeMs < source.mtimeMs) return undefined;
  return JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
}

/**
 * The messages for `language`: briefcast's own en-GB file, then its file for the language if it
 * has one, then the project's messages/<language>.yml, each over the one before; a phrase a
 * translation leaves out stays in English. Reviews merge by name, so a board can add its own kind.
 */
export function loadMessages(projectRoot: string, language: string): { messages?: Messages; problems: Problem[] } {
  const problems: Problem[] = [];
  const layers = [join(builtIn, 'en-GB.yml'), ...(language === 'en-GB' ? [] : [join(builtIn, `${language}.yml`)]), join(projectRoot, 'messages', `${language}.yml`)];
  let merged: Record<string, unknown> = {};
  for (const path of [...new Set(layers)]) {
    const data = readBuiltInJson(path) ?? read(path, problems);
    if (!data) continue;
    const reviews = new Map(((merged.reviews as { name: string }[] | undefined) ?? []).map((r) => [r.name, r]));
    for (const r of (Array.isArray(data.reviews) ? data.reviews : []) as { name: string }[]) reviews.set(r?.name, { ...reviews.get(r?.name), ...r });
    merged = { ...merged, ...data, intro: { ...(merged.intro as object), ...(data.intro as object) }, reviews: [...reviews.values()] };
  }
  const file = relative(process.cwd(), layers.at(-1)!) || layers.at(-1)!;
  const { value, problems: own } = validate(messagesSchema, { data: merged, problems: [], place: () => ({ line: 1, column: 1 }) }, file, merged);
  return { messages: value, problems: [...problems, ...own] };
}

/** Fills {names} in a phrase. */
export function phrase(words: string, values: Readonly<Record<string, string | number>>): string {
  return words.replace(/\{(\w+)\}/g, (all, name: string) => (values[name] === undefined ? all : String(values[name])));
}

/** The kind of review a briefing's `type:` names, by name or alias ("SAR"), without case or punctuation. */
export function findReviewKind(type: string, kinds: readonly ReviewKind[]): ReviewKind | undefined {
  const t = normalise(type);
  return kinds.find((k) => [k.name, ...k.aliases].some((n) => normalise(n) === t));
}
