import { phrase, type Config, type Messages } from '../config/index.js';
import { escapeHtml as e } from '../render/index.js';
import type { Discussion, NewDiscussion, StoredAction } from '../store/index.js';
import { HttpError, type FormLimits } from './form.js';
import { page } from './pages.js';
import { isoDay } from '../days.js';

/** More than a team; a typo, not a meeting. */
export const MAX_PEOPLE = 500;
/** Actions one record holds: a team agrees a few, and the form stays short on a phone. */
export const MAX_ACTIONS = 10;
/** Characters per field, re-shown as a field's error when exceeded (the form's own limit cuts at 4000). */
export const MAX_LENGTH = { answer: 2000, action: 300, owner: 100, comment: 2000 } as const;
/**
 * The form has up to 15 answers, 30 action fields, the date, the number and the comment: some
 * 36,000 characters filled to their limits, and a character of Chinese or an emoji is nine to
 * twelve bytes once a browser has URL-encoded it.
 */
export const discussionFormLimits: FormLimits = { body: 400 * 1024, fields: 60, value: 4000 };

/** What a reader typed, by field name, re-shown as typed when the form comes back with errors. */
export type Typed = ReadonlyMap<string, string>;
/** Field name to the message shown beside it. */
export type FieldErrors = Map<string, string>;

/**
 * A field the form did not send is undefined and the record keeps it; one sent empty (the reader
 * cleared what the form showed them) is null or '' and clears it.
 */
export interface DiscussionInput {
  /** Undefined when the form did not send it: the record keeps its day. */
  discussed_on?: string;
  people?: number | null;
  answers: { n: number; answer: string }[];
  actions: Omit<StoredAction, 'done'>[];
  comment?: string;
}

/**
 * No control character a keyboard cannot type reaches the store: NUL is refused by PostgreSQL's
 * text, and escapes would drive the terminal that prints `report` or its CSV. A line break stays
 * where the field has lines, as \n; elsewhere it is a space.
 */
export function typedText(text: string, lines: boolean): string {
  const plain = text.replace(/\r\n?/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, '');
  return (lines ? plain : plain.replace(/[\n\t]/g, ' ')).trim();
}

/** YYYY-MM-DD, or D/M/YYYY as a browser without a date picker lets people type it; undefined if no such day. */
function parseDay(text: string): string | undefined {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const uk = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : uk ? [uk[3], uk[2]!.padStart(2, '0'), uk[1]!.padStart(2, '0')] : [];
  if (!y) return undefined;
  const day = `${y}-${m}-${d}`;
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(t) || isoDay(t) !== day || y < '2000' || y > '2100' ? undefined : day;
}

/** The field names a form of this many questions has; anything else is not ours. */
function knownField(name: string, questions: number): boolean {
  const m = /^(answer|action|owner|due)_(\d{1,2})$/.exec(name);
  if (m) return Number(m[2]) >= 1 && Number(m[2]) <= (m[1] === 'answer' ? questions : MAX_ACTIONS);
  return ['discussed_on', 'people', 'comment'].includes(name);
}

/**
 * Reads a discussion form. A field the reader got wrong is an error shown beside it; a field no
 * form of ours has (answer_16, action_11) is a request we refuse outright.
 */
export function parseDiscussion(fields: Typed, questions: number, now: number, t: Messages, earliest = '2000-01-01'): { input?: DiscussionInput; errors: FieldErrors } {
  for (const name of fields.keys()) if (!knownField(name, questions)) throw new HttpError(400, `unknown field ${name.slice(0, 40)}`);
  const errors: FieldErrors = new Map();
  const get = (name: string) => typedText(fields.get(name) ?? '', /^(answer_|comment)/.test(name));
  /** '' where the reader cleared the field, undefined where the form did not send it. */
  const bounded = (name: string, max: number) => {
    const value = get(name);
    if (value.length > max) errors.set(name, phrase(t.error_too_long, { max }));
    return fields.has(name) ? value : undefined;
  };

  const dateText = get('discussed_on');
  const discussed_on = dateText ? parseDay(dateText) : undefined;
  // A day ahead allows for a team in another time zone than the server.
  if (dateText && (!discussed_on || discussed_on > isoDay(now + 86_400_000))) errors.set('discussed_on', t.error_date);
  // No team discussed a briefing before it was sent: a year typed wrong, or day and month swapped.
  else if (discussed_on && discussed_on < earliest) errors.set('discussed_on', phrase(t.error_date_before, { day: earliest }));

  const peopleText = get('people');
  // Digits only: Number() would also take 0x10, 1e3 and " 12 ".
  const people = peopleText === '' ? (fields.has('people') ? null : undefined) : /^\d{1,3}$/.test(peopleText) && Number(peopleText) >= 1 && Number(peopleText) <= MAX_PEOPLE ? Number(peopleText) : NaN;
  if (Number.isNaN(people)) errors.set('people', t.error_people);

  const answers: DiscussionInput['answers'] = [];
  for (let n = 1; n <= questions; n++) {
    const answer = bounded(`answer_${n}`, MAX_LENGTH.answer);
    if (answer !== undefined) answers.push({ n, answer });
  }

  const actions: DiscussionInput['actions'] = [];
  for (let n = 1; n <= MAX_ACTIONS; n++) {
    const text = bounded(`action_${n}`, MAX_LENGTH.action);
    const owner = bounded(`owner_${n}`, MAX_LENGTH.owner);
    const dueText = get(`due_${n}`);
    const due = dueText ? parseDay(dueText) : undefined;
    if (dueText && !due) errors.set(`due_${n}`, t.error_due);
    if (!text && (owner || dueText)) errors.set(`action_${n}`, t.error_action_missing);
    // An action sent empty is one the reader removed.
    if (text !== undefined) actions.push({ n, text, owner: owner || null, due: due ?? null });
  }
  const comment = bounded('comment', MAX_LENGTH.comment);
  if (errors.size) return { errors };
  return { input: { discussed_on, people, answers, actions, comment }, errors };
}

/** Only the date (which the form fills in): "I have read it", not a discussion. */
export function isEmpty(input: DiscussionInput): boolean {
  return input.people == null && !input.answers.some((a) => a.answer) && !input.actions.some((a) => a.text) && !input.comment;
}

/** The reader's record as the form's fields, to show what they gave before. */
export function fieldsOf(record: Discussion | undefined): Map<string, string> {
  const fields = new Map<string, string>();
  if (!record) return fields;
  fields.set('discussed_on', record.discussed_on);
  if (record.people !== null) fields.set('people', String(record.people));
  for (const a of record.answers) fields.set(`answer_${a.n}`, a.answer);
  for (const a of record.actions) {
    fields.set(`action_${a.n}`, a.text);
    if (a.owner) fields.set(`owner_${a.n}`, a.owner);
    if (a.due) fields.set(`due_${a.n}`, a.due);
  }
  if (record.comment) fields.set('comment', record.comment);
  return fields;
}

export interface FormView {
  title: string;
  action: string;
  /** The questions the campaign asked, as sent. */
  questions: readonly string[];
  values: Typed;
  errors?: FieldErrors;
  now: number;
  /** The first day a discussion can have been on: the day before the briefing was sent, for time zones. */
  earliest?: string;
}

/** One labelled field with its hint and error, described to assistive technology by both. */
function field(view: { errors?: FieldErrors }, name: string, label: string, control: (attributes: string) => string, hint?: string): string {
  const error = view.errors?.get(name);
  const described = [hint && `${name}-hint`, error && `${name}-error`].filter(Boolean).join(' ');
  const attributes = `id="${name}" name="${name}"${described ? ` aria-describedby="${described}"` : ''}${error ? ' aria-invalid="true"' : ''}`;
  return `<div class="field${error ? ' invalid' : ''}">
<label for="${name}">${e(label)}</label>
${hint ? `<p class="hint" id="${name}-hint">${e(hint)}</p>` : ''}${error ? `<p class="error" id="${name}-error">${e(error)}</p>` : ''}
${control(attributes)}
</div>`;
}

const value = (view: { values: Typed }, name: string) => e(view.values.get(name) ?? '');

/** The errors first, each a link to its field, where the page's focus and a screen reader start. */
export function errorSummary(t: Messages, errors: FieldErrors | undefined): string {
  if (!errors?.size) return '';
  return `<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 id="error-summary-title">${e(t.error_summary)}</h2>
<ul>${[...errors].map(([name, message]) => `<li><a href="#${name}">${e(message)}</a></li>`).join('')}</ul>
</div>`;
}

/**
 * The page at /a/<token>: one button to confirm reading, then the team's discussion record. Plain
 * HTML forms, no script: it works on any phone and in any mail client's browser.
 */
export function discussionForm(config: Config, t: Messages, view: FormView): string {
  const filled = [...view.values.keys()].filter((k) => k.startsWith('action_') && view.values.get(k)).length;
  const rows = Math.min(MAX_ACTIONS, Math.max(3, filled + 1));
  const questions = view.questions
    .map((q, i) => field(view, `answer_${i + 1}`, q, (a) => `<textarea ${a} rows="3" maxlength="${MAX_LENGTH.answer}">${value(view, `answer_${i + 1}`)}</textarea>`))
    .join('\n');
  const actions = Array.from({ length: rows }, (_, i) => {
    const n = i + 1;
    return `<fieldset class="action">
<legend>${e(phrase(t.discuss_action, { n }))}</legend>
${field(view, `action_${n}`, t.discuss_action_text, (a) => `<input ${a} type="text" maxlength="${MAX_LENGTH.action}" value="${value(view, `action_${n}`)}">`)}
${field(view, `owner_${n}`, t.discuss_action_owner, (a) => `<input ${a} type="text" maxlength="${MAX_LENGTH.owner}" autocomplete="organization-title" value="${value(view, `owner_${n}`)}">`)}
${field(view, `due_${n}`, t.discuss_action_due, (a) => `<input ${a} type="date" min="2000-01-01" max="2100-12-31" value="${value(view, `due_${n}`)}">`)}
</fieldset>`;
  }).join('\n');
  const today = isoDay(view.now);
  return page(
    config,
    t.discuss_title,
    `<h1>${e(t.ack_title)}</h1>
<p>“${e(view.title)}”</p>
${errorSummary(t, view.errors)}
<form method="post" action="${e(view.action)}" class="one-click">
<p>${e(t.discuss_read_only)}</p>
<button type="submit" id="read">${e(t.acknowledge)}</button>
</form>
<form method="post" action="${e(view.action)}" novalidate>
<h2>${e(t.discuss_heading)}</h2>
<p class="hint">${e(t.discuss_intro)}</p>
${field(view, 'discussed_on', t.discussed_on, (a) => `<input ${a} type="date" required min="${view.earliest ?? '2000-01-01'}" max="${isoDay(view.now + 86_400_000)}" value="${value(view, 'discussed_on') || today}">`)}
${field(view, 'people', `${t.discuss_people} ${t.optional}`, (a) => `<input ${a} type="number" min="1" max="${MAX_PEOPLE}" step="1" inputmode="numeric" value="${value(view, 'people')}">`, t.discuss_people_hint)}
${questions ? `<h3>${e(t.discuss_answers)}</h3>\n${questions}` : ''}
<h3>${e(t.discuss_actions)}</h3>
<p class="hint">${e(phrase(t.discuss_actions_hint, { max: MAX_ACTIONS }))}</p>
${actions}
${field(view, 'comment', `${t.discuss_comment} ${t.optional}`, (a) => `<textarea ${a} rows="4" maxlength="${MAX_LENGTH.comment}">${value(view, 'comment')}</textarea>`)}
<button type="submit" id="save">${e(t.discuss_save)}</button>
</form>`,
  );
}

export interface FollowUpView {
  title: string;
  action: string;
  actions: readonly StoredAction[];
  values: Typed;
  errors?: FieldErrors;
}

/** The follow-up's form: what has changed since, and whether each agreed action is done. */
export function followUpForm(config: Config, t: Messages, view: FollowUpView): string {
  const radios = view.actions
    .map((a) => {
      const name = `done_${a.n}`;
      const error = view.errors?.get(`${name}-yes`);
      // A choice made about the action as it was before is not offered again as this one's.
      const chosen = (error ? undefined : view.values.get(name)) ?? (a.done === null ? '' : a.done ? 'yes' : 'no');
      const option = (v: string, label: string) =>
        `<div class="choice"><input type="radio" id="${name}-${v}" name="${name}" value="${v}"${chosen === v ? ' checked' : ''}${error ? ` aria-describedby="${name}-error"` : ''}><label for="${name}-${v}">${e(label)}</label></div>`;
      return `<fieldset class="action${error ? ' invalid' : ''}">
<legend>${e(a.text)}${a.owner ? ` (${e(a.owner)})` : ''}${a.due ? `, ${e(a.due)}` : ''}: ${e(t.follow_up_done)}</legend>
${error ? `<p class="error" id="${name}-error">${e(error)}</p>` : ''}<input type="hidden" name="shown_${a.n}" value="${e(a.text)}">
${option('yes', t.answer_yes)}${option('no', t.answer_no)}
</fieldset>`;
    })
    .join('\n');
  return page(
    config,
    t.follow_up_title,
    `<h1>${e(t.follow_up_title)}</h1>
<p>“${e(view.title)}”</p>
${errorSummary(t, view.errors)}
<form method="post" action="${e(view.action)}" novalidate>
${field(view, 'answer', t.follow_up_question, (a) => `<textarea ${a} rows="5" maxlength="${MAX_LENGTH.answer}">${value(view, 'answer')}</textarea>`)}
${radios}
<button type="submit" id="save">${e(t.follow_up_save)}</button>
</form>`,
  );
}

/**
 * Reads the follow-up form: the answer, and yes or no per action. The page says which text each
 * yes or no was about (shown_N): the team may have changed its actions since it was opened, and a
 * "done" is kept only for the action the reader saw. One since removed is let go.
 */
export function parseFollowUp(fields: Typed, actions: readonly StoredAction[], now: number, t: Messages): { input?: NonNullable<NewDiscussion['follow_up']>; errors: FieldErrors } {
  for (const name of fields.keys()) {
    const m = /^(?:done|shown)_(\d{1,2})$/.exec(name);
    if (name !== 'answer' && !(m && Number(m[1]) >= 1 && Number(m[1]) <= MAX_ACTIONS)) throw new HttpError(400, `unknown field ${name.slice(0, 40)}`);
  }
  const errors: FieldErrors = new Map();
  const answer = typedText(fields.get('answer') ?? '', true);
  if (answer.length > MAX_LENGTH.answer) errors.set('answer', phrase(t.error_too_long, { max: MAX_LENGTH.answer }));
  const done: { n: number; done: boolean }[] = [];
  for (const a of actions) {
    const v = fields.get(`done_${a.n}`);
    if (v === undefined || v === '') continue;
    if (v !== 'yes' && v !== 'no') throw new HttpError(400, `done_${a.n} must be yes or no`);
    const shown = fields.get(`shown_${a.n}`);
    if (shown !== undefined && shown !== a.text) errors.set(`done_${a.n}-yes`, t.error_action_changed);
    else done.push({ n: a.n, done: v === 'yes' });
  }
  if (errors.size) return { errors };
  return { input: { answer: fields.has('answer') ? answer : undefined, on: isoDay(now), done }, errors };
}
