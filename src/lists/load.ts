import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { hasErrors, type Problem } from '../problem.js';
import { normaliseAgency } from '../words.js';
import { dropEmpty, parseYaml, validate } from '../yaml-source.js';
import { agencySchema, listsSchema, recipientSchema, type Agency, type RecipientInput } from './schema.js';

export interface Lists {
  agencies: Agency[];
  problems: Problem[];
}

/** Reads lists/agencies.yml and the CSV files it names; invalid recipients are reported and left out. */
export function loadLists(path: string): Lists {
  const file = relative(process.cwd(), path) || path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { agencies: [], problems: [{ code: 'ENOLISTS', severity: 'error', file, message: 'cannot read the agency lists' }] };
  }
  const source = parseYaml(file, text);
  if (hasErrors(source.problems)) return { agencies: [], problems: source.problems };
  const problems: Problem[] = [...source.problems];
  const data = dropEmpty(source.data ?? {}) as { agencies?: unknown };
  if (!Array.isArray(data.agencies)) {
    const { problems: shape } = validate(listsSchema, source, file, data);
    return { agencies: [], problems: [...problems, ...shape] };
  }

  const agencies: Agency[] = [];
  const ids = new Set<string>();
  const spellings = new Map<string, string>();
  data.agencies.forEach((raw, i) => {
    const recipients = Array.isArray((raw as { recipients?: unknown })?.recipients) ? (raw as { recipients: unknown[] }).recipients : [];
    const good: RecipientInput[] = [];
    recipients.forEach((r, j) => {
      const checked = validate(recipientSchema, source, file, r, ['agencies', i, 'recipients', j]);
      problems.push(...checked.problems);
      if (checked.value) good.push(checked.value);
    });
    const shell = { ...(raw as object), recipients: [] };
    const { value, problems: own } = validate(agencySchema, source, file, shell, ['agencies', i]);
    problems.push(...own);
    if (!value) return;
    if (ids.has(value.id)) {
      problems.push({ code: 'EDUPAGENCY', severity: 'error', file, ...source.place(['agencies', i, 'id']), message: `agency id "${value.id}" is used twice` });
      return;
    }
    ids.add(value.id);
    // A name or alias that also names another agency would send a briefing's lessons to the wrong people.
    for (const spelling of [value.id, value.name, ...value.aliases]) {
      const key = normaliseAgency(spelling);
      const other = spellings.get(key);
      if (other && other !== value.id) {
        problems.push({ code: 'EALIAS', severity: 'error', file, ...source.place(['agencies', i, 'aliases']), message: `"${spelling}" also names the agency ${other}: a briefing could not tell them apart` });
      }
      spellings.set(key, other ?? value.id);
    }
    if (value.csv) good.push(...readCsv(join(dirname(path), value.csv), problems));
    agencies.push({ id: value.id, name: value.name, aliases: value.aliases, recipients: good });
  });
  return { agencies, problems };
}

function readCsv(path: string, problems: Problem[]): RecipientInput[] {
  const file = relative(process.cwd(), path) || path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    problems.push({ code: 'ENOCSV', severity: 'error', file, message: 'cannot read this CSV file' });
    return [];
  }
  // Read only for a list that names a CSV file: most boards have none, and every command reads the lists.
  const { parse } = createRequire(import.meta.url)('csv-parse/sync') as typeof import('csv-parse/sync');
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true, info: true });
  } catch (error) {
    const e = error as { lines?: number; message: string };
    problems.push({ code: 'ECSV', severity: 'error', file, line: e.lines, message: `not valid CSV: ${e.message.replace(/^Invalid [^:]*: /, '')}` });
    return [];
  }
  const out: RecipientInput[] = [];
  for (const { record, info } of rows) {
    const result = recipientSchema.safeParse(dropEmpty(record));
    if (result.success) out.push(result.data);
    else problems.push({ code: 'ERECIPIENT', severity: 'error', file, line: info.lines, message: result.error.issues.map((i) => (i.path.length && i.code !== 'invalid_format' ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ') });
  }
  return out;
}
