import type { Agency, Recipient } from './schema.js';

/**
 * The people a briefing goes to: everyone on the named agencies' lists, once each
 * (matched by email, case-insensitively), knowing every agency they were reached through.
 */
export function resolveRecipients(agencies: readonly Agency[], ids: readonly string[] | 'all'): Recipient[] {
  const wanted = ids === 'all' ? agencies : agencies.filter((a) => ids.includes(a.id));
  const byEmail = new Map<string, Recipient>();
  for (const agency of wanted) {
    for (const r of agency.recipients) {
      const key = r.email.toLowerCase();
      const seen = byEmail.get(key);
      if (seen) {
        if (!seen.agencies.includes(agency.id)) seen.agencies.push(agency.id);
      } else {
        byEmail.set(key, { ...r, email: r.email.trim(), agencies: [agency.id] });
      }
    }
  }
  return [...byEmail.values()];
}
