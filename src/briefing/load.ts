import { readFileSync, readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import matter from 'gray-matter';
import { pointer, type Problem } from '../problem.js';
import { dropEmpty, formatPath, parseYaml, validate } from '../yaml-source.js';
import { limitProblems } from './limits.js';
import { frontmatterSchema, type Briefing } from './schema.js';

export interface LoadOptions {
  /** Agency ids from lists/agencies.yml; when given, unknown ids are errors. */
  agencies?: readonly string[];
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
    return fail('ENOENT', `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
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
  // An engine that returns the raw text, so gray-matter only splits and we parse with positions.
  const split = matter(text, { engines: { yaml: () => ({}) } });
  const offset = split.matter ? text.indexOf(split.matter) : 3;
  const source = parseYaml(file, text, offset, split.matter.length);
  if (source.problems.some((p) => p.severity === 'error')) return { problems: source.problems };

  const raw = dropEmpty(source.data ?? {});
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { problems: [{ code: 'ESCHEMA', severity: 'error', file, ...source.place([]), message: 'the frontmatter must be fields like "title: …", one per line' }] };
  }
  const { value, problems } = validate(frontmatterSchema, source, file, raw);
  problems.unshift(...source.problems);
  if (!value) return { problems };

  if (options.agencies) {
    const known = new Set(options.agencies);
    const check = (ids: readonly string[], path: PropertyKey[]) =>
      ids.forEach((id, i) => {
        if (!known.has(id)) {
          problems.push({
            code: 'EAGENCY',
            severity: 'error',
            file,
            ...source.place([...path, i]),
            message: `${formatPath([...path, i])}: unknown agency "${id}" (known: ${[...known].join(', ')})`,
          });
        }
      });
    if (value.agencies !== 'all') check(value.agencies, ['agencies']);
    value.lessons.forEach((l, i) => typeof l !== 'string' && check(l.agencies, ['lessons', i, 'agencies']));
  }
  if (problems.some((p) => p.severity === 'error')) return { problems };

  const bodyStart = text.length - split.content.length;
  const briefing: Briefing = {
    ...value,
    slug: value.slug ?? slugFromFile(file),
    lessons: value.lessons.map((l, i) => (typeof l === 'string' ? { n: i + 1, markdown: l } : { n: i + 1, markdown: l.text, agencies: l.agencies })),
    body: split.content,
    file,
    bodyLine: pointer(text)(bodyStart).line,
    source: text,
    places: Object.fromEntries([
      ...Object.keys(value).map((k) => [k, source.place([k])] as const),
      ...value.lessons.map((_, i) => [`lessons[${i}]`, source.place(['lessons', i])] as const),
    ]),
  };
  return { briefing, problems };
}

function slugFromFile(file: string): string {
  return basename(file, '.md')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export interface LoadedAll {
  briefings: Briefing[];
  problems: Problem[];
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
  return { briefings, problems };
}
