import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { loadConfig } from '../config/index.js';
import { loadLists } from '../lists/index.js';
import { formatProblem } from '../problem.js';
import { redactUrls } from '../secret-url.js';
import { parseSmtpUrl } from '../send/transport.js';
import { openStore } from '../store/index.js';
import { readSecret, secretProblem } from '../tokens/index.js';
import { fail } from './output.js';

type Check = { ok: boolean | 'warn'; what: string; detail: string };

/** `briefcast doctor`: what is wrong with this installation, one line each. */
export async function doctorCommand(): Promise<void> {
  const root = process.cwd();
  const checks: Check[] = [];
  const add = (ok: Check['ok'], what: string, detail: string) => checks.push({ ok, what, detail });

  const { config, problems } = loadConfig(join(root, 'briefcast.yml'));
  add(config ? true : false, 'configuration', config ? 'briefcast.yml is valid' : problems.map(formatProblem).join('; '));
  const lists = loadLists(join(root, 'lists', 'agencies.yml'));
  const listErrors = lists.problems.filter((p) => p.severity === 'error');
  add(listErrors.length ? false : true, 'lists', listErrors.length ? `${listErrors.length} problem(s); run npx briefcast lists` : `${lists.agencies.length} agencies`);

  try {
    // Outside a project, doctor only looks: it makes no database.
    const store = await openStore(root, process.env, { existing: !config });
    await store.campaigns();
    add(true, 'database', `${store.kind} ${process.env.DATABASE_URL ? 'from DATABASE_URL' : 'at data/briefcast.db'}, migrations applied`);
    await store.close();
  } catch (error) {
    add(false, 'database', redactUrls((error as Error).message));
  }

  const smtp = process.env.SMTP_URL;
  if (!smtp) add('warn', 'SMTP', 'SMTP_URL is not set: mail goes to outbox/ as .eml files');
  else {
    let url: URL | undefined;
    try {
      url = parseSmtpUrl(smtp);
    } catch (error) {
      add(false, 'SMTP', (error as Error).message);
    }
    if (url) {
      const transporter = nodemailer.createTransport(url.toString(), { connectionTimeout: 5000, greetingTimeout: 5000 } as object);
      try {
        await transporter.verify();
        add(true, 'SMTP', `${url.host} accepts connections`);
      } catch (error) {
        add(false, 'SMTP', `${url.host}: ${redactUrls((error as Error).message)}`);
      } finally {
        transporter.close();
      }
    }
  }

  const secretFile = join(root, 'data', 'secret');
  try {
    const found = readSecret(root);
    const weak = found && secretProblem(found.secret, found.name);
    if (!found) add('warn', 'secret', 'no secret yet: one is made in data/secret on the first send (several machines need the same BRIEFCAST_SECRET)');
    else if (weak) add(false, 'secret', weak);
    else if (found.name === 'BRIEFCAST_SECRET') add(true, 'secret', 'BRIEFCAST_SECRET is set');
    else {
      const mode = statSync(secretFile).mode & 0o777;
      add(mode & 0o077 ? false : true, 'secret', mode & 0o077 ? `data/secret can be read by others (mode ${mode.toString(8)}): chmod 600 data/secret` : 'data/secret, readable by its owner only');
    }
  } catch (error) {
    add(false, 'secret', `cannot read data/secret: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }

  if (config) {
    const base = new URL(config.base_url);
    const local = ['localhost', '127.0.0.1', '::1'].includes(base.hostname);
    if (local) add('warn', 'base URL', `${config.base_url} is this machine: links in emails will only work here (set base_url or BRIEFCAST_BASE_URL)`);
    else if (base.protocol !== 'https:') add('warn', 'base URL', `${config.base_url} is not https`);
    else add(true, 'base URL', config.base_url);
  }
  add(existsSync(join(root, 'dist', 'web', 'index.html')) ? true : 'warn', 'site', existsSync(join(root, 'dist', 'web', 'index.html')) ? 'dist/web is built' : 'dist/web is not built yet: npx briefcast build');

  for (const c of checks) console.log(`${c.ok === true ? 'ok  ' : c.ok === 'warn' ? 'warn' : 'FAIL'}  ${c.what}: ${c.detail}`);
  if (checks.some((c) => c.ok === false)) process.exitCode = 1;
}

/** `briefcast migrate`: brings the database's schema up to date, and says which it is. */
export async function migrateCommand(): Promise<void> {
  try {
    const store = await openStore(process.cwd());
    console.log(`${store.kind} database is up to date`);
    await store.close();
  } catch (error) {
    fail((error as Error).message, 'ESTORE');
  }
}
