import { realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
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
  // Agency names reach every page and email: text the renderer would take for its own stops the build.
  problems.push(...lists.problems.filter((p) => p.code === 'ERESERVED'));
  const logo = config.board.logo?.src;
  const logoProblem = logo && !isWebAddress(logo) ? localAssetProblem(root, logo) : undefined;
  if (logoProblem) {
    problems.push({ code: 'ELOGO', severity: 'error', file: 'briefcast.yml', message: `board.logo.src: ${logoProblem}` });
    return { problems };
  }
  return { project: { root, config, messages, agencies: lists.agencies, problems }, problems };
}

const imageTypes = ['.png', '.jpg', '.jpeg', '.gif', '.svg', '.webp'];
/** Folders whose files are never published, whatever a configuration names. */
const privateFolders = ['data', 'outbox', 'node_modules', '.git'];

/**
 * Why a local file cannot be copied into the public site, or undefined: it must be an image
 * inside the project, after following links, and not in a folder that holds private data.
 */
export function localAssetProblem(root: string, src: string): string | undefined {
  const hint = '(an image beside briefcast.yml, or an https:// address)';
  if (!imageTypes.includes(extname(src).toLowerCase())) return `${src} is not an image (${imageTypes.join(' ')}) ${hint}`;
  let real: string;
  try {
    real = realpathSync(resolve(root, src));
  } catch {
    return `no file ${src} in the project ${hint}`;
  }
  const inProject = relative(realpathSync(root), real);
  if (!inProject || inProject.startsWith('..') || isAbsolute(inProject)) return `${src} is outside the project ${hint}`;
  if (privateFolders.includes(inProject.split(sep)[0]!)) return `${src} is in ${inProject.split(sep)[0]}/, which is never published ${hint}`;
  if (!statSync(real).isFile()) return `${src} is not a file ${hint}`;
  return undefined;
}

export function loadProjectBriefings(project: ProjectBase, options: { drafts?: boolean; files?: string[] } = {}) {
  const known = project.agencies.length ? project.agencies : undefined;
  const loaded = loadBriefings(join(project.root, 'briefings'), { agencies: known }, options.files);
  return { ...loaded, briefings: loaded.briefings.filter((b) => options.drafts || !b.draft) };
}
