import { z } from 'zod';
import { isSafeImage, markdownUrlsSafe, safeImageMessage } from '../safe-url.js';

const markdown = z.string().min(1).refine(markdownUrlsSafe, 'links and images must be http://, https://, mailto: or a relative path');

/** Shortest dashboard password, from briefcast.yml or BRIEFCAST_DASHBOARD_PASSWORD alike. */
export const MIN_DASHBOARD_PASSWORD = 8;

/** The reflective questions most boards' "7 minute briefing" action plans ask. */
export const defaultQuestions = [
  'What are your key thoughts and reflections on this briefing?',
  'How will you embed this learning in your practice, and how will you know it has made a difference?',
  'How will you put this learning into your team or service improvement plans?',
] as const;
/** Characters of one question; questions from the board, and then from one briefing. */
export const MAX_QUESTION = 300;
export const MAX_BOARD_QUESTIONS = 10;
export const MAX_BRIEFING_QUESTIONS = 5;

/** Whom a briefing is for: the standard intro and wording differ. */
export const audiences = ['children', 'adults', 'all'] as const;

export const configSchema = z
  .object({
    board: z.object({
      name: z.string().min(1),
      short_name: z.string().min(1),
      address: z.string().min(1),
      email: z.email(),
      phone: z.string().optional(),
      website: z.url({ protocol: /^https?$/ }).optional(),
      /** A path under the project or an https URL; shown in the banner with its alt text. */
      logo: z.object({ src: z.string().min(1).refine(isSafeImage, safeImageMessage), alt: z.string().min(1) }).optional(),
      colour: z
        .string()
        .regex(/^#[0-9a-fA-F]{6}$/, 'expected a colour like "#005eb8"')
        .default('#005a70'),
    }),
    banner_label: z.string().min(1).default('5 min briefing'),
    base_url: z.url({ protocol: /^https?$/ }).default('http://localhost:4000'),
    /** Picks messages/<language>.yml: every phrase briefcast writes itself. */
    language: z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'expected a language tag like "en-GB" or "cy"').default('en-GB'),
    /** Whom the board's briefings are for, unless a briefing or its review type says otherwise. */
    audience: z.enum(audiences).default('all'),
    sender: z
      .object({ name: z.string().min(1), email: z.email(), reply_to: z.email().optional() })
      .optional(),
    /** Paragraphs every briefing of this board repeats, in Markdown. */
    standard: z
      .object({
        /** Keyed by review type: what such a review is, shown after the briefing's opening. */
        definitions: z.record(z.string(), markdown).default({}),
        /**
         * After the definition, before the body's first section: paragraphs for the board's own
         * audience, or paragraphs by audience (children, adults, all). Where none is given, the
         * messages file's paragraph for the briefing's audience is used.
         */
        intro: z.union([z.array(markdown), z.partialRecord(z.enum(audiences), z.array(markdown))]).default([]),
        closing: z
          .object({ heading: z.string().min(1), paragraphs: z.array(markdown).default([]) })
          .optional(),
      })
      .default({ definitions: {}, intro: [] }),
    /** Reading speed for the "N min" label check, words per minute. */
    reading_wpm: z.number().int().positive().default(200),
    send: z
      .object({
        connections: z.number().int().min(1).max(50).default(3),
        rate_per_second: z.number().positive().default(10),
        max_attempts: z.number().int().min(1).max(20).default(5),
        retry_base_seconds: z.number().positive().default(30),
        pause_after_errors: z.number().int().min(1).default(20),
        /** How long a claimed message is held before another sender may take it; renewed while its sender runs. */
        lease_seconds: z.number().positive().default(60),
        /** The domain of each message's return address (bounces+<token>@…); default the sender's. */
        bounce_domain: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'expected a domain like "example.org"').optional(),
        /** The name the sender greets the relay with (EHLO); default the sender's domain. */
        ehlo_name: z.string().regex(/^[a-z0-9.-]+$/i, 'expected a host name like "mail.example.org"').optional(),
      })
      .prefault({}),
    /** Reading bounces that arrive after the relay accepted a message. */
    bounces: z
      .object({
        /** serve reads the mailbox (BOUNCE_IMAP_URL) every this many minutes; unset, it does not. */
        poll: z.number().positive().optional(),
        /** Temporary failures (full mailbox, 4.x.x) in a row before an address is suppressed. */
        temporary_limit: z.number().int().min(1).default(3),
        /** The IMAP folder read bounces are moved to. */
        folder: z.string().min(1).default('Processed'),
      })
      .prefault({}),
    /** DKIM signing (nodemailer's own): the key from BRIEFCAST_DKIM_KEY, or private_key_file beside briefcast.yml. */
    dkim: z
      .object({
        domain: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'expected a domain like "example.org"'),
        selector: z.string().regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/i, 'expected a selector like "briefcast2026"'),
        private_key_file: z.string().min(1).optional(),
        /** Filled in when loaded, from BRIEFCAST_DKIM_KEY or private_key_file; never write a key here. */
        private_key: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** What the board asks teams to record when they discuss a briefing (the form at /a/…). */
    evidence: z
      .object({
        /** The reflective questions, in order; a briefing may add its own (`questions:` in its frontmatter). */
        questions: z.array(z.string().min(1).max(MAX_QUESTION)).min(1).max(MAX_BOARD_QUESTIONS).default([...defaultQuestions]),
      })
      .prefault({}),
    tracking: z.enum(['individual', 'aggregate', 'off']).default('individual'),
    retention_days: z.number().int().positive().default(365),
    /** false: serve has no /dashboard at all (reports only from the command line). */
    dashboard: z.boolean().default(true),
    dashboard_password: z.string().min(MIN_DASHBOARD_PASSWORD).optional(),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

/** A web address (the logo may be one) rather than a file of the project. */
export function isWebAddress(src: string): boolean {
  return /^https?:\/\//.test(src);
}
