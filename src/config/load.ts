import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { hasErrors, type Problem } from '../problem.js';
import { dropEmpty, parseYaml, validate } from '../yaml-source.js';
import { configSchema, type Config } from './schema.js';

/** Reads briefcast.yml; the environment overrides what differs between machines. */
export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): { config?: Config; problems: Problem[] } {
  const file = relative(process.cwd(), path) || path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { problems: [{ code: 'ENOCONFIG', severity: 'error', file, message: 'cannot read the configuration file' }] };
  }
  const source = parseYaml(file, text);
  if (hasErrors(source.problems)) return { problems: source.problems };
  const { value, problems } = validate(configSchema, source, file, dropEmpty(source.data ?? {}));
  if (!value) return { problems: [...source.problems, ...problems] };
  if (env.BRIEFCAST_BASE_URL) value.base_url = env.BRIEFCAST_BASE_URL;
  value.base_url = value.base_url.replace(/\/+$/, '');
  return { config: value, problems: [...source.problems, ...problems] };
}
