// How people write names: shared by the configuration, the lists and the briefings.

/** Lower-case letters and digits, one space between words: accents, apostrophes and punctuation gone. */
export function plainWords(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[’'`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** How offices write an agency: case, punctuation, accents and "the" do not matter. */
export function normaliseAgency(s: string): string {
  return plainWords(s).replace(/\bthe\b/g, ' ').replace(/\s+/g, ' ').trim();
}
