import { z } from 'zod';
import { audiences, MAX_BRIEFING_QUESTIONS, MAX_QUESTION } from '../config/schema.js';
import { isSafeLink, safeLinkMessage } from '../safe-url.js';
import { isoDay } from '../days.js';

/** Who a briefing is for: the standard wording differs (an adults' briefing never speaks of "children and families"). */
export { audiences };

/** The kinds of review briefcast knows (messages/en-GB.yml says what each is); any other words are allowed too. */
export const reviewTypes = [
  'Serious Case Review',
  'Child Safeguarding Practice Review',
  'Rapid Review',
  'Safeguarding Adults Review',
  'Domestic Homicide Review',
  'Domestic Abuse Related Death Review',
  'Single Unified Safeguarding Review',
  'Multi-agency audit',
  'Thematic Review',
] as const;

const dayOrMonth = /^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/;

/** YAML 1.1 tools turn `2016-03-01` into a date; the board means the day, not a time zone. */
const reviewDate = z.preprocess(
  (v) => (v instanceof Date ? isoDay(v) : typeof v === 'number' ? String(v) : v),
  z
    .string()
    .regex(dayOrMonth, 'expected a date as YYYY-MM-DD or YYYY-MM')
    .refine((s) => {
      if (s.length === 7 || !dayOrMonth.test(s)) return true;
      const day = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(day.getTime()) && isoDay(day) === s;
    }, 'no such day'),
);

/** Characters XML 1.0 cannot carry: in a title they made feed.xml unreadable. */
const oneLine = z.string().min(1).regex(/^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$/, 'no control characters');

const agencyIds = z.array(z.string().min(1)).min(1);

export const lessonSchema = z.union([
  z.string().min(1),
  z
    .object({
      text: z.string().min(1).describe('The lesson, in Markdown'),
      agencies: agencyIds.describe('Ids of the agencies this lesson is for'),
    })
    .strict(),
]);

export const frontmatterSchema = z
  .object({
    title: oneLine.describe('The title, as readers see it in the inbox and on the page'),
    slug: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'use lower-case letters, digits and single hyphens')
      .optional()
      .describe('The web address part; defaults to the file name'),
    review: z.string().min(1).optional().describe('The review\'s name, e.g. "Children P"'),
    type: z
      .union([z.enum(reviewTypes), z.string().min(1)])
      .optional()
      .describe('The kind of review: ' + reviewTypes.join(', ') + ', or free text'),
    audience: z.enum(audiences).optional().describe("children, adults or all: the standard wording; defaults from the review type, then the board"),
    intro: z
      .union([z.literal(false), z.string().min(1)])
      .optional()
      .describe("Replaces the board's standard paragraph after the definition (Markdown), or false for none"),
    date: reviewDate.optional().describe('When the review was published: YYYY-MM-DD or YYYY-MM'),
    summary: oneLine.optional().describe('One or two sentences: the email preheader and the page description'),
    report_url: z.string().min(1).refine(isSafeLink, safeLinkMessage).optional().describe('The full report'),
    agencies: z
      .union([z.literal('all'), agencyIds])
      .default('all')
      .describe('Ids from lists/agencies.yml that must act on this briefing, or "all"'),
    lessons: z.array(lessonSchema).default([]).describe('The numbered lessons, in order'),
    tags: z.array(z.string().min(1).regex(/^[^\x00-\x1f\x7f-\x9f]*$/, 'no control characters or line breaks')).default([]).describe('Themes, for the archive filter'),
    questions: z
      .array(oneLine.max(MAX_QUESTION))
      .max(MAX_BRIEFING_QUESTIONS)
      .optional()
      .describe("Reflective questions for teams, after the board's own (briefcast.yml evidence.questions)"),
    format: z.string().min(1).optional().describe('Banner label for this briefing, e.g. "7 minute briefing"'),
    send_by: reviewDate.optional().describe('Do not start or resume sending after this day'),
    draft: z.boolean().default(false).describe('Drafts are not built or sent'),
  })
  .strict();

export type Frontmatter = z.infer<typeof frontmatterSchema>;
export type LessonInput = z.infer<typeof lessonSchema>;

export interface Lesson {
  n: number;
  markdown: string;
  /** Agencies the lesson is for; absent when it is for everyone the briefing goes to. */
  agencies?: string[];
}

/** A loaded, valid briefing: its frontmatter with defaults applied, and the Markdown body. */
export interface Briefing extends Omit<Frontmatter, 'slug' | 'lessons'> {
  slug: string;
  lessons: Lesson[];
  body: string;
  /** Where it came from, for messages. */
  file: string;
  /** Line in the file where the body starts (1-based), so body positions map to the file. */
  bodyLine: number;
  /** The raw file text, hashed for "has this changed since it was sent?". */
  source: string;
  /** Where fields are in the file (keys: "title", "summary", "lessons", "lessons[2]", …), for lint messages. */
  places: Record<string, { line: number; column: number }>;
}
