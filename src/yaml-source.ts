import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import { suggest } from './suggest.js';
import { pointer, type Problem } from './problem.js';

type Path = readonly PropertyKey[];

/** A YAML text that knows where each value came from, so problems point at file:line:col. */
export interface YamlSource {
  data: unknown;
  problems: Problem[];
  /** The place of the value at `path` (or of its key), or of its nearest existing parent. */
  place(path: Path, key?: boolean): { line: number; column: number };
}

/** How the renderer marks text it fills in per reader; in a board's own text it would be taken for one. */
export const RESERVED_SLOT = '%%bc:';
export const RESERVED_MESSAGE = `"${RESERVED_SLOT}" is reserved for the text filled in per reader: write it another way`;

/**
 * Parses YAML that starts at `offset` inside `fullText` (frontmatter sits after `---`),
 * so that positions are lines of the file, not of the YAML.
 */
export function parseYaml(file: string, fullText: string, offset = 0, length = fullText.length - offset): YamlSource {
  const text = fullText.slice(offset, offset + length);
  const at = pointer(fullText);
  const doc = parseDocument(text, { lineCounter: new LineCounter(), prettyErrors: false, uniqueKeys: true });
  const asProblem = (severity: Problem['severity']) => (e: { pos?: [number, number]; message: string }): Problem => ({
    code: 'EYAML',
    severity,
    file,
    ...at(offset + (e.pos?.[0] ?? 0)),
    message: `invalid YAML: ${e.message.split('\n')[0]}${colonHint(fullText, offset + (e.pos?.[0] ?? 0))}`,
  });
  const problems = [...doc.errors.map(asProblem('error')), ...doc.warnings.map(asProblem('warning'))];
  const reserved = text.indexOf(RESERVED_SLOT);
  if (reserved >= 0) problems.push({ code: 'ERESERVED', severity: 'error', file, ...at(offset + reserved), message: RESERVED_MESSAGE });
  let data: unknown;
  try {
    data = doc.errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An alias bomb: yaml stops expanding it and throws, which must name the file, not end the run.
    problems.push(asProblem('error')({ message: (error as Error).message }));
  }

  function place(path: Path, key = false) {
    let node: unknown = doc.contents;
    let start = node && (node as Node).range ? (node as Node).range![0] : 0;
    for (const [i, segment] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        const target = key && last ? pair.key : (pair.value ?? pair.key);
        node = target;
        if ((target as Node)?.range) start = (target as Node).range![0];
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment]) {
        node = node.items[segment];
        if ((node as Node).range) start = (node as Node).range![0];
      } else break;
    }
    return at(offset + start);
  }

  return { data, problems, place };
}

/** What one item of a list is called in a message: "lesson 1", not lessons[0]. */
const itemNames: Record<string, string> = {
  lessons: 'lesson',
  agencies: 'agency',
  recipients: 'recipient',
  tags: 'tag',
  aliases: 'alias',
  paragraphs: 'paragraph',
  intro: 'intro paragraph',
};

/** A place in a YAML document in plain words: ["lessons", 0, "agencies", 1] is "lesson 1, agency 2". */
/** `title: Learning: Child A` breaks YAML at its second colon; the fix is quotes around the value. */
function colonHint(text: string, at: number): string {
  const start = text.lastIndexOf('\n', Math.max(0, at - 1)) + 1;
  const end = text.indexOf('\n', at);
  const line = text.slice(start, end < 0 ? undefined : end);
  // Patterns that cannot backtrack: a long line costs one pass.
  const key = /^\s*(?:-\s+)?([\w-]+):\s+/.exec(line);
  if (!key) return '';
  const value = line.slice(key[0].length).trim();
  if (/^['"|>{[]/.test(value) || !/:(\s|$)/.test(value)) return '';
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return ` (a value with a colon needs quotes: ${key[1]}: "${shown.replace(/"/g, '\\"')}")`;
}

export function formatPath(path: Path): string {
  const parts: string[] = [];
  path.forEach((seg, i) => {
    const next = path[i + 1];
    if (typeof seg === 'number') return;
    const name = String(seg);
    const part = typeof next === 'number' ? `${itemNames[name] ?? `${name} item`} ${next + 1}` : name;
    const glued = typeof path[i - 1] === 'string' && parts.length > 0;
    if (glued) parts[parts.length - 1] += `.${part}`;
    else parts.push(part);
  });
  return parts.join(', ');
}

/** Drops values a board office writes to mean "nothing": `date: ""`, `summary:`. */
export function dropEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropEmpty);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null && v !== undefined && !(typeof v === 'string' && v.trim() === ''))
        .map(([k, v]) => [k, dropEmpty(v)]),
    );
  }
  return value;
}

function deleteAt(data: unknown, path: Path, keys: string[]) {
  let node = data as Record<PropertyKey, unknown> | undefined;
  for (const seg of path) node = node?.[seg] as Record<PropertyKey, unknown> | undefined;
  if (node && typeof node === 'object') for (const k of keys) delete node[k];
}

function knownKeysAt(schema: z.ZodType, path: Path): string[] {
  let s: unknown = schema;
  const unwrap = (x: unknown): unknown => {
    let cur = x as { def?: { type?: string; innerType?: unknown; element?: unknown; in?: unknown; options?: unknown[] }; shape?: object };
    while (cur?.def && ['optional', 'default', 'prefault', 'nullable', 'pipe'].includes(cur.def.type ?? '')) {
      cur = (cur.def.innerType ?? cur.def.in) as typeof cur;
    }
    return cur;
  };
  for (const seg of path) {
    const cur = unwrap(s) as { shape?: Record<string, unknown>; def?: { type?: string; element?: unknown; options?: unknown[] } };
    if (typeof seg === 'number' && cur.def?.type === 'array') s = cur.def.element;
    else if (cur.shape) s = cur.shape[String(seg)];
    else return [];
    const inner = unwrap(s) as { def?: { type?: string; options?: unknown[] } };
    if (inner.def?.type === 'union') s = inner.def.options?.find((o) => (unwrap(o) as { shape?: object }).shape);
  }
  const last = unwrap(s) as { shape?: object; def?: { type?: string; options?: unknown[] } };
  if (last.shape) return Object.keys(last.shape);
  const obj = last.def?.type === 'union' ? last.def.options?.map(unwrap).find((o) => (o as { shape?: object }).shape) : undefined;
  return obj ? Object.keys((obj as { shape: object }).shape) : [];
}

/**
 * Validates with a strict zod schema. Unknown keys become warnings with a suggestion and are
 * dropped; every other issue is an error at the place of its value.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  source: YamlSource,
  file: string,
  data: unknown = source.data,
  /** Where `data` sits in the YAML document, when it is a part of it. */
  prefix: Path = [],
): { value?: z.infer<S>; problems: Problem[] } {
  const problems: Problem[] = [];
  for (let round = 0; round < 5; round++) {
    const result = schema.safeParse(data, { reportInput: true });
    if (result.success) return { value: result.data, problems };
    const unknown = result.error.issues.filter((i) => i.code === 'unrecognized_keys');
    const others = result.error.issues.filter((i) => i.code !== 'unrecognized_keys');
    for (const issue of unknown) {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const guess = suggest(key, known);
        problems.push({
          code: 'EUNKNOWNKEY',
          severity: 'warning',
          file,
          ...source.place([...prefix, ...issue.path, key], true),
          message: `${formatPath([...prefix, ...issue.path, key])}: unknown key, ignored${guess ? ` (did you mean "${guess}"?)` : ''}`,
        });
      }
      deleteAt(data, issue.path, issue.keys);
    }
    if (others.length > 0) {
      for (const issue of others) {
        problems.push({ code: 'ESCHEMA', severity: 'error', file, ...source.place([...prefix, ...issue.path]), message: describeIssue(issue, prefix) });
      }
      return { problems };
    }
  }
  return { problems };
}

export function describeIssue(issue: z.core.$ZodIssue, prefix: Path = []): string {
  const where = formatPath([...prefix, ...issue.path]) || '(top)';
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${where}: required`;
  if (issue.code === 'invalid_type') return `${where}: expected ${issue.expected}, got ${describeInput(issue.input)}`;
  const pair = oneColonPair(issue.input);
  if (pair) return `${where}: "${pair}" reads as a field because of its colon; put the text in quotes`;
  return `${where}: ${issue.message}`;
}

/** `- Think family: ask who lives there` is, to YAML, a mapping of one key: almost always a missed pair of quotes. */
function oneColonPair(input: unknown): string | undefined {
  if (!input || typeof input !== 'object' || Array.isArray(input) || input instanceof Date) return undefined;
  const entries = Object.entries(input);
  if (entries.length !== 1 || typeof entries[0]![1] !== 'string' || !/\s/.test(entries[0]![0])) return undefined;
  const text = `${entries[0]![0]}: ${entries[0]![1]}`;
  return text.length > 50 ? `${text.slice(0, 50)}…` : text;
}

function describeInput(input: unknown): string {
  if (Array.isArray(input)) return 'a list';
  if (input instanceof Date) return 'a date';
  if (input === null) return 'nothing';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return `"${input.length > 40 ? input.slice(0, 40) + '…' : input}"`;
  return String(input);
}
