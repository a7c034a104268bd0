import { readFileSync, readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import matter from 'gray-matter';
import { pointer, plainErrno, type Problem } from '../problem.js';
import { dropEmpty, formatPath, parseYaml, validate } from '../yaml-source.js';
import { limitProblems } from './limits.js';
import { agencyResolver, type AgencyName } from './agencies.js';
import { absorbTitle } from './title.js';
import { frontmatterSchema, type Briefing } from './schema.js';

export interface LoadOptions {
  /**
   * The agencies of lists/agencies.yml (or their ids); when given, a briefing may name one by id,
   * name or alias, and one the lists do not know is an error.
   */
  agencies?: readonly (string | AgencyName)[];
}

export interface Loaded {
  briefing?: Briefing;
  problems: Problem[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

export function loadBriefing(path: string, options: LoadOptions = {}): Loaded {
  const file = relative(process.cwd(), path) || path;
  const fail = (code: string, message: string, line?: number, column?: number): Loaded => ({
    problems: [{ code, severity: 'error', file, line, column, message }],
  });
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    return fail('ENOENT', `cannot read the file: ${plainErrno((error as NodeJS.ErrnoException).code)}`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    const decoded = lenient.decode(bytes);
    const at = pointer(decoded)(decoded.indexOf('\uFFFD'));
    return fail('EENCODING', 'the file is not UTF-8 text: save it as UTF-8', at.line, at.column);
  }
  text = text.replace(/^\uFEFF/, '');
  if (text.trim() === '') return fail('EEMPTY', 'the file is empty: a briefing starts with --- and a title', 1, 1);
  return parseBriefing(file, text, options);
}

/** Parses briefing text; `file` is only used to name places and the default slug. */
export function parseBriefing(file: string, text: string, options: LoadOptions = {}): Loaded {
  if (!/^---\r?\n/.test(text)) {
    return {
      problems: [{ code: 'ENOFRONTMATTER', severity: 'error', file, line: 1, column: 1, message: 'a briefing starts with a --- line, then title: and the other fields, then ---' }],
    };
  }
  const limits = limitProblems(file, text);
  if (limits.length) return { problems: limits };
  // An engine that returns nothing, so gray-matter only splits and we parse with positions. Its
  // own engine would fail: package.json gives it js-yaml 4, whose safeLoad throws, because js-yaml
  // 3 loads esprima, 15 ms of every command.
  const split = matter(text, { engines: { yaml: () => ({}) } });
  const offset = split.matter ? text.indexOf(split.matter) : 3;
  const source = parseYaml(file, text, offset, split.matter.length);
  if (source.problems.some((p) => p.severity === 'error')) return { problems: source.problems };

  const problems: Problem[] = [...source.problems];
  const given = source.data;
  if (given && typeof given === 'object' && !Array.isArray(given)) problems.push(...emptyValues(file, given as Record<string, unknown>, source.place));
  const raw = dropEmpty(given ?? {});
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { problems: [{ code: 'ESCHEMA', severity: 'error', file, ...source.place([]), message: 'the frontmatter must be fields like "title: …", one per line' }] };
  }
  // Agencies are checked on what was written before the schema has its say (which drops unknown
  // keys), so that a bad date does not hide an unknown agency, nor the reverse.
  const written = raw as { agencies?: unknown; lessons?: unknown };
  const resolved = options.agencies ? resolveAgencies(file, source.place, agencyResolver(options.agencies), written, problems) : undefined;
  const checked = validate(frontmatterSchema, source, file, raw);
  problems.push(...checked.problems);
  const value = checked.value;
  if (!value) return { problems: sortByPlace(problems) };
  // Agencies as offices write them ("Police", "Children's Social Care") become the lists' ids. An
  // unknown one is an error, but the briefing still loads so that `check` shows every other problem.
  if (resolved) {
    if (value.agencies !== 'all') value.agencies = resolved.agencies ?? value.agencies;
    value.lessons = value.lessons.map((l, i) => (typeof l === 'string' ? l : { ...l, agencies: resolved.lessons.get(i) ?? l.agencies }));
  }

  const bodyStart = text.length - split.content.length;
  const bodyLine = pointer(text)(bodyStart).line;
  const titled = absorbTitle(split.content, value.title, value.review);
  if (titled.absorbed) {
    problems.push({ code: 'WTITLEH1', severity: 'warning', file, line: bodyLine + titled.absorbed.line - 1, column: 1, message: `the heading "${titled.absorbed.text}" repeats the title: left out, so the title shows once` });
  }
  const briefing: Briefing = {
    ...value,
    slug: value.slug ?? slugFromFile(file),
    lessons: value.lessons.map((l, i) => (typeof l === 'string' ? { n: i + 1, markdown: l } : { n: i + 1, markdown: l.text, ...(l.agencies.length ? { agencies: l.agencies } : {}) })),
    body: titled.body,
    file,
    bodyLine,
    source: text,
    places: Object.fromEntries([
      ...Object.keys(value).map((k) => [k, source.place([k])] as const),
      ...value.lessons.map((_, i) => [`lessons[${i}]`, source.place(['lessons', i])] as const),
    ]),
  };
  return { briefing, problems: sortByPlace(problems) };
}

/** Resolves every agency named in the frontmatter, as written; unknown ones become problems. */
function resolveAgencies(
  file: string,
  place: (path: PropertyKey[]) => { line: number; column: number },
  resolver: ReturnType<typeof agencyResolver>,
  data: { agencies?: unknown; lessons?: unknown },
  problems: Problem[],
): { agencies?: string[]; lessons: Map<number, string[]> } {
  const resolve = (names: unknown, path: PropertyKey[]) => {
    if (!Array.isArray(names)) return undefined;
    const ids: string[] = [];
    names.forEach((written, i) => {
      if (typeof written !== 'string') return;
      const found = resolver.resolve(written);
      if ('id' in found) {
        if (!ids.includes(found.id)) ids.push(found.id);
        return;
      }
      const hint = found.suggestion ? `did you mean "${found.suggestion}"?` : `known: ${resolver.known.join(', ')}`;
      problems.push({ code: 'EAGENCY', severity: 'error', file, ...place([...path, i]), message: `${formatPath([...path, i])}: unknown agency "${written}" (${hint})` });
    });
    return ids;
  };
  const lessons = new Map<number, string[]>();
  if (Array.isArray(data.lessons)) {
    data.lessons.forEach((l, i) => {
      const ids = l && typeof l === 'object' ? resolve((l as { agencies?: unknown }).agencies, ['lessons', i, 'agencies']) : undefined;
      if (ids) lessons.set(i, ids);
    });
  }
  return { agencies: resolve(data.agencies, ['agencies']), lessons };
}

function sortByPlace(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/** What a value left empty means for the reader, by field; a field not named here is just ignored. */
const emptyMeaning: Record<string, string> = {
  date: 'no date: the briefing sorts last and shows no date',
  report_url: 'no report_url: the briefing has no link to the full report',
  review: 'no review: the lessons are headed "Lessons"',
  type: 'no type: no definition of the review is shown',
  format: "no format: the board's banner label is used",
  send_by: 'no send_by: sending is not stopped on any day',
  agencies: 'no agencies: the briefing goes to every agency',
  lessons: 'no lessons: the briefing has no numbered lessons',
};

/** `date: ""` is dropped, but the office meant to fill it in: say what its absence does. */
function emptyValues(file: string, data: Record<string, unknown>, place: (path: PropertyKey[]) => { line: number; column: number }): Problem[] {
  return Object.entries(data)
    .filter(([key, v]) => key !== 'summary' && (v === null || (typeof v === 'string' && v.trim() === '')))
    .map(([key]) => ({ code: 'WEMPTY', severity: 'warning' as const, file, ...place([key]), message: emptyMeaning[key] ?? `${key} is empty: ignored` }));
}

function slugFromFile(file: string): string {
  return basename(file, '.md')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export interface LoadedAll {
  /** Briefings that loaded; one with an unknown agency is here too, with its error in `problems`. */
  briefings: Briefing[];
  problems: Problem[];
  /** How many files were read, loaded or not: what `check` counts. */
  files: number;
}

/** Loads every briefing in a folder, reporting every problem in every file, and duplicate slugs. */
export function loadBriefings(dir: string, options: LoadOptions = {}, files?: string[]): LoadedAll {
  let paths = files;
  if (!paths) {
    try {
      paths = readdirSync(dir)
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => join(dir, f));
    } catch {
      paths = [];
    }
  }
  const briefings: Briefing[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const path of paths) {
    const loaded = loadBriefing(path, options);
    problems.push(...loaded.problems);
    if (!loaded.briefing) continue;
    const other = seen.get(loaded.briefing.slug);
    if (other) {
      problems.push({ code: 'ESLUG', severity: 'error', file: loaded.briefing.file, line: 1, column: 1, message: `slug "${loaded.briefing.slug}" is also used by ${other}` });
      continue;
    }
    seen.set(loaded.briefing.slug, loaded.briefing.file);
    briefings.push(loaded.briefing);
  }
  return { briefings, problems, files: paths.length };
}
