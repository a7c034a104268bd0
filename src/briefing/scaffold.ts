import { z } from 'zod';
import { PLACEHOLDER } from './lint.js';
import { normaliseAgency as normalise, plainWords } from '../words.js';
import { frontmatterSchema, reviewTypes, type audiences } from './schema.js';
import { isoDay } from '../days.js';

/** What `new` needs to know of a kind of review (from the messages file). */
export interface ScaffoldKind {
  name: string;
  aliases: readonly string[];
  audience: (typeof audiences)[number];
  /** The lessons' heading, {review} for the review's name. */
  lessons: string;
}

/** The kind a title names ("Safeguarding Adults Review – Brian", "SAR Brian"), as whole words. */
function kindInTitle(title: string, kinds: readonly ScaffoldKind[]): ScaffoldKind | undefined {
  const t = ` ${normalise(title)} `;
  // "Learning from Serious Case Reviews – Child Q": the plural names the kind too.
  return kinds.find((k) => [k.name, ...k.aliases].some((n) => t.includes(` ${normalise(n)} `) || t.includes(` ${normalise(n)}s `)));
}

export function slugify(title: string): string {
  return plainWords(title).replace(/ /g, '-').slice(0, 80).replace(/-+$/, '');
}

const quote = (s: string) => JSON.stringify(s);

/**
 * A new briefing with every field filled in with an example and a one-line comment, and the usual
 * sections of a 5-minute briefing. What the author must write is marked REPLACE: so `check` warns
 * until it is done; the file starts as a draft.
 */
export function scaffoldBriefing(title: string, agencies: readonly { id: string; name: string }[], today: Date, kinds: readonly ScaffoldKind[] = []): string {
  const month = today.toISOString().slice(0, 7);
  const sendBy = isoDay(today.getTime() + 90 * 86_400_000);
  const review = /–\s*(.+)$|-\s+(.+)$/.exec(title);
  const P = PLACEHOLDER;
  const kind = kindInTitle(title, kinds);
  // Where the title does not say, the scaffold guesses and marks the guess for `check` to find.
  const type = kind ? kind.name : `Serious Case Review  # ${P} the kind of review (a guess)`;
  const audience = kind ? kind.audience : `all  # ${P} children, adults or all (a guess)`;
  const adults = kind?.audience === 'adults';
  const name = (review?.[1] ?? review?.[2] ?? (adults ? 'the adult' : 'the child')).trim();
  const who = adults ? 'the person, their family or carers' : 'the child or the family';
  const agencyLines = agencies.length
    ? agencies.map((a) => `  - ${a.id}  # ${a.name}`).join('\n')
    : '  - all  # no agencies in lists/agencies.yml yet';
  const first = agencies[0]?.id ?? 'police';
  return `---
# yaml-language-server: $schema=../briefing.schema.json
# The title readers see in their inbox and at the top of the page.
title: ${quote(title)}
# The review's name: the lessons are headed "${(kind?.lessons ?? 'Lessons from {review}').replace('{review}', name)}".
review: ${quote(name)}
# The kind of review (its definition is shown): ${reviewTypes.join(', ')}, or your own words.
type: ${type}
# Whom it is for, which sets the standard wording: children, adults or all.
audience: ${audience}
# When the review was published: YYYY-MM-DD or YYYY-MM.
date: ${month}
# One or two sentences (under 150 characters): the inbox preview and the page description.
summary: "${P} what happened and what every practitioner should take from it."
# The full report, published on the board's website.
report_url: "https://www.example.org/${P}full-report.pdf"
# The agencies that must act on it (ids from lists/agencies.yml), or: all
agencies:
${agencyLines}
# The numbered lessons, in order; a lesson for some agencies only has text: and agencies:.
lessons:
  - "${P} the first lesson, in one or two sentences that a practitioner can act on."
  - "${P} the second lesson."
  - text: "${P} a lesson for one agency only."
    agencies: [${first}]
# Themes, for the archive's filter.
tags: [neglect, chronologies]
# Questions for teams to discuss, after the board's own (evidence.questions in briefcast.yml).
# questions:
#   - How do you hear the voice of every adult in the household?
# The banner label for this briefing (the board's default is in briefcast.yml).
format: 5 min briefing
# Do not start or resume sending after this day.
send_by: ${sendBy}
# A draft is not built or sent: set to false when it is ready.
draft: true
---

${P} the opening: who the review was about, in a sentence or two, and why it was held.

## ${name}’s story

${P} what happened, in plain words, without names or details that could identify ${who}.

## What the review found

${P} the themes: where agencies could have worked together better.

## Questions to consider

- ${P} a question for supervision or a team meeting.
- ${P} another question.

## What you should do now

${P} read the full report, discuss the lessons with your team, and confirm that you have.
`;
}

/** The frontmatter's JSON Schema, generated from the zod schema (never written by hand). */
export function briefingJsonSchema(): object {
  return {
    ...z.toJSONSchema(frontmatterSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'briefcast briefing frontmatter',
  };
}
