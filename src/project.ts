import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadBriefings } from './briefing/index.js';
import { isWebAddress, loadConfig, loadMessages, type Config, type Messages } from './config/index.js';
import { loadLists, type Agency } from './lists/index.js';
import type { Problem } from './problem.js';

export interface ProjectOptions {
  /** The project folder: briefcast.yml, briefings/, lists/, templates/. */
  root?: string;
  baseUrl?: string;
  drafts?: boolean;
}

/** What every command shares: the configuration and the agency lists. No layouts, so no MJML. */
export interface ProjectBase {
  root: string;
  config: Config;
  /** Every phrase briefcast writes itself, in the board's language. */
  messages: Messages;
  agencies: Agency[];
  problems: Problem[];
}

export function openProjectBase(options: ProjectOptions = {}): { project?: ProjectBase; problems: Problem[] } {
  const root = resolve(options.root ?? '.');
  const { config, problems } = loadConfig(join(root, 'briefcast.yml'));
  if (!config) return { problems };
  const { messages, problems: wording } = loadMessages(root, config.language);
  problems.push(...wording);
  if (!messages) return { problems };
  if (options.baseUrl) config.base_url = options.baseUrl.replace(/\/+$/, '');
  const lists = loadLists(join(root, 'lists', 'agencies.yml'));
  // Recipients with bad addresses matter when sending (`briefcast lists`), not when building.
  problems.push(...lists.problems.filter((p) => ['ENOLISTS', 'EYAML', 'EALIAS'].includes(p.code)).map((p) => ({ ...p, severity: 'warning' as const })));
  const logo = config.board.logo?.src;
  if (logo && !isWebAddress(logo) && !existsSync(join(root, logo))) {
    problems.push({ code: 'ELOGO', severity: 'error', file: 'briefcast.yml', message: `board.logo.src: no file ${logo} in the project (a path beside briefcast.yml, or an https:// address)` });
    return { problems };
  }
  return { project: { root, config, messages, agencies: lists.agencies, problems }, problems };
}

export function loadProjectBriefings(project: ProjectBase, options: { drafts?: boolean; files?: string[] } = {}) {
  const known = project.agencies.length ? project.agencies : undefined;
  const loaded = loadBriefings(join(project.root, 'briefings'), { agencies: known }, options.files);
  return { ...loaded, briefings: loaded.briefings.filter((b) => options.drafts || !b.draft) };
}
