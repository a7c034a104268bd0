import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
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
  value.send.ehlo_name ??= (value.sender?.email ?? value.board.email).split('@')[1]!.toLowerCase();
  if (value.dkim) {
    const at = source.place(['dkim', value.dkim.private_key_file && !env.BRIEFCAST_DKIM_KEY ? 'private_key_file' : 'domain']);
    const problem = (severity: Problem['severity'], message: string): Problem => ({ code: 'EDKIMKEY', severity, file, ...at, message });
    let key = env.BRIEFCAST_DKIM_KEY;
    let from = 'BRIEFCAST_DKIM_KEY';
    if (!key && value.dkim.private_key_file) {
      from = value.dkim.private_key_file;
      try {
        key = readFileSync(resolve(dirname(path), value.dkim.private_key_file), 'utf8');
      } catch {
        return { problems: [...source.problems, ...problems, problem('error', `dkim.private_key_file: cannot read ${from}`)] };
      }
    }
    if (!key) problems.push(problem('warning', 'dkim: no key (set BRIEFCAST_DKIM_KEY or dkim.private_key_file): mail goes out unsigned'));
    else {
      try {
        createPrivateKey(key);
      } catch {
        return { problems: [...source.problems, ...problems, problem('error', `dkim: ${from} is not a private key in PEM form`)] };
      }
      value.dkim.private_key = key;
    }
  }
  return { config: value, problems: [...source.problems, ...problems] };
}
