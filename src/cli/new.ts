import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { scaffoldBriefing, slugify } from '../briefing/index.js';
import { loadConfig, loadMessages } from '../config/index.js';
import { loadLists } from '../lists/index.js';
import { fail } from './output.js';
import { mkdirSync } from 'node:fs';

export function newCommand(title: string): void {
  const slug = slugify(title);
  if (!slug) fail('the title needs some letters or digits for the file name');
  const lists = loadLists(join(process.cwd(), 'lists', 'agencies.yml'));
  const dir = join(process.cwd(), 'briefings');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${slug}.md`);
  try {
    // "wx": never overwrite a briefing someone has been writing.
    writeFileSync(path, scaffoldBriefing(title, lists.agencies, new Date(), reviewKinds()), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') fail(`${relative(process.cwd(), path)} already exists; choose another title or edit that file`, 'EEXIST');
    throw error;
  }
  console.log(`wrote ${relative(process.cwd(), path)} (a draft): fill in the REPLACE: parts, then run npx briefcast check`);
}

/** The kinds of review in the board's language, so that the title picks the type and the wording. */
function reviewKinds() {
  const language = loadConfig(join(process.cwd(), 'briefcast.yml')).config?.language ?? 'en-GB';
  return loadMessages(process.cwd(), language).messages?.reviews ?? [];
}
