import type { Discussion, NewDiscussion, StoredAction } from './types.js';
import { isoDay } from '../days.js';

/** A discussion row as both databases return it: answers and actions as JSON text. */
export type DiscussionRow = Omit<Discussion, 'answers' | 'actions'> & { answers: string; actions: string };

export function fromRow(row: DiscussionRow): Discussion {
  return { ...row, answers: JSON.parse(row.answers), actions: JSON.parse(row.actions) };
}

const byN = <T extends { n: number }>(items: Iterable<T>) => [...new Map([...items].map((i) => [i.n, i])).values()].sort((a, b) => a.n - b.n);

/**
 * The reader's record after a submission: what it sent over what the record held. Nothing the
 * submission left out is blanked, and what it sent empty is cleared (an action sent with no text
 * is removed); an action keeps its follow-up answer unless the text changed.
 */
export function mergeDiscussion(previous: Discussion | undefined, next: NewDiscussion): Omit<DiscussionRow, 'id' | 'email' | 'name'> {
  const actions: StoredAction[] = byN<StoredAction>([
    ...(previous?.actions ?? []),
    ...(next.actions ?? []).map((a) => {
      const before = previous?.actions.find((p) => p.n === a.n);
      return { ...a, done: before && before.text === a.text ? before.done : null };
    }),
  ]).filter((a) => a.text);
  for (const d of next.follow_up?.done ?? []) {
    const action = actions.find((a) => a.n === d.n);
    if (action) action.done = d.done;
  }
  return {
    campaign_id: next.campaign_id,
    delivery_id: next.delivery_id ?? null,
    agencies: next.agencies,
    discussed_on: next.discussed_on ?? previous?.discussed_on ?? isoDay(next.at),
    people: next.people === undefined ? (previous?.people ?? null) : next.people,
    answers: JSON.stringify(byN([...(previous?.answers ?? []), ...(next.answers ?? [])]).filter((a) => a.answer)),
    actions: JSON.stringify(actions),
    comment: next.comment === undefined ? (previous?.comment ?? null) : next.comment || null,
    follow_up: next.follow_up?.answer === undefined ? (previous?.follow_up ?? null) : next.follow_up.answer || null,
    follow_up_on: next.follow_up?.on ?? previous?.follow_up_on ?? null,
    created_at: previous?.created_at ?? next.at,
    updated_at: next.at,
    superseded_at: null,
  };
}
