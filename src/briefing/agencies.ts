import { suggest } from '../suggest.js';
import { normaliseAgency } from '../words.js';

/** An agency as the lists name it: what a briefing may write for it. */
export interface AgencyName {
  id: string;
  name?: string;
  aliases?: readonly string[];
}

export interface AgencyResolver {
  /** The id for what was written, or a suggestion (a name the lists know) when it is unknown. */
  resolve(written: string): { id: string } | { suggestion?: string };
  known: string[];
}

export function agencyResolver(agencies: readonly (string | AgencyName)[]): AgencyResolver {
  const byKey = new Map<string, string>();
  const spellings: string[] = [];
  for (const a of agencies.map((x) => (typeof x === 'string' ? { id: x } : x))) {
    for (const spelling of [a.id, a.name, ...(a.aliases ?? [])]) {
      if (!spelling) continue;
      const key = normaliseAgency(spelling);
      if (!byKey.has(key)) byKey.set(key, a.id);
      spellings.push(spelling);
    }
  }
  const lookup = (s: string) => byKey.get(normaliseAgency(s));
  return {
    known: agencies.map((x) => (typeof x === 'string' ? x : x.id)),
    resolve(written) {
      // "Health (midwifery, health visiting, GP, hospital)": the words in brackets say who, not which agency.
      const id = lookup(written) ?? lookup(written.replace(/\([^)]*\)/g, ' '));
      return id ? { id } : { suggestion: suggest(written, spellings, normaliseAgency) };
    },
  };
}
