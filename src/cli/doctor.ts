import { Resolver } from 'node:dns/promises';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config/index.js';
import { loadLists } from '../lists/index.js';
import { formatProblem } from '../problem.js';
import { redactUrls } from '../secret-url.js';
import { nodemailer, parseSmtpUrl } from '../send/transport.js';
import { dkimRecord } from '../send/index.js';
import { openStore } from '../store/index.js';
import { readSecret, secretProblem } from '../tokens/index.js';
import { fail } from './output.js';

type Check = { ok: boolean | 'warn'; what: string; detail: string };

/** What a TLS failure means for the person setting up the relay, or undefined for any other failure. */
export function tlsProblem(error: unknown): string | undefined {
  const e = error as { code?: string; message?: string; cause?: { code?: string } };
  const text = `${e.code ?? ''} ${e.cause?.code ?? ''} ${e.message ?? ''}`;
  const optOut = 'or, on a network you trust, accept it anyway with ?tls.rejectUnauthorized=false in SMTP_URL';
  if (/SELF_SIGNED|self[- ]signed/i.test(text)) return `the relay's certificate is self-signed: give this machine its certificate with NODE_EXTRA_CA_CERTS=/path/to/relay.pem, ${optOut}`;
  if (/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|unable to (verify|get local issuer)/i.test(text))
    return `the relay's certificate is signed by an authority this machine does not trust (a private CA?): NODE_EXTRA_CA_CERTS=/path/to/ca.pem, ${optOut}`;
  if (/CERT_HAS_EXPIRED|certificate has expired/i.test(text)) return "the relay's certificate has expired: its administrator must renew it";
  if (/ERR_TLS_CERT_ALTNAME_INVALID|altnames/i.test(text)) return "the relay's certificate is for another name: use the host name the certificate names in SMTP_URL";
  return undefined;
}

/** Looks up a TXT record with a short timeout: this machine may have no DNS at all. */
async function txt(resolver: Resolver, name: string): Promise<string[] | Error> {
  try {
    return (await resolver.resolveTxt(name)).map((parts) => parts.join(''));
  } catch (error) {
    return error as Error;
  }
}

/** SPF, the DKIM key and DMARC as published in DNS; what could not be looked up is said so. */
async function dnsChecks(config: Config, add: (ok: Check['ok'], what: string, detail: string) => void, record: { name: string; value: string }) {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  const fromDomain = (config.sender?.email ?? config.board.email).split('@')[1]!.toLowerCase();
  const returnDomain = config.send.bounce_domain ?? fromDomain;
  const [spf, dkim, dmarc] = await Promise.all([txt(resolver, returnDomain), txt(resolver, record.name), txt(resolver, `_dmarc.${fromDomain}`)]);
  const unknown = (what: string, error: Error) => add('warn', what, `could not check (${(error as NodeJS.ErrnoException).code ?? error.message})`);
  if (spf instanceof Error) unknown('SPF', spf);
  else add(spf.some((t) => t.startsWith('v=spf1')) ? true : 'warn', 'SPF', spf.find((t) => t.startsWith('v=spf1')) ?? `${returnDomain} publishes no SPF record`);
  if (dkim instanceof Error) unknown('DKIM in DNS', dkim);
  else {
    const key = `p=${record.value.split('p=')[1]}`;
    const published = dkim.map((t) => t.replace(/\s+/g, '')).find((t) => /(^|;)p=/.test(t));
    if (!published) add(false, 'DKIM in DNS', `${record.name} is not published`);
    else if (published.includes(key)) add(true, 'DKIM in DNS', `${record.name} matches the key`);
    else add(false, 'DKIM in DNS', `${record.name} publishes another key`);
  }
  if (dmarc instanceof Error) unknown('DMARC', dmarc);
  else add(dmarc.some((t) => t.startsWith('v=DMARC1')) ? true : 'warn', 'DMARC', dmarc.find((t) => t.startsWith('v=DMARC1')) ?? `_dmarc.${fromDomain} publishes no DMARC policy`);
}

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
      const transporter = nodemailer().createTransport(url.toString(), { connectionTimeout: 5000, greetingTimeout: 5000 } as object);
      try {
        await transporter.verify();
        add(true, 'SMTP', `${url.host} accepts connections`);
      } catch (error) {
        add(false, 'SMTP', `${url.host}: ${tlsProblem(error) ?? redactUrls((error as Error).message)}`);
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
  if (config?.dkim?.private_key) {
    const { domain, selector } = config.dkim;
    const record = dkimRecord(config.dkim.private_key, domain, selector);
    const size = record.bits ? `${record.bits}-bit RSA` : 'Ed25519';
    add(record.bits && record.bits < 1024 ? false : record.bits && record.bits < 2048 ? 'warn' : true, 'DKIM', `${size} key${record.bits && record.bits < 2048 ? ' (use 2048 bits)' : ''}; publish: ${record.name} TXT "${record.value}"`);
    await dnsChecks(config, add, record);
  } else if (config) add('warn', 'DKIM', config.dkim ? 'no key: set BRIEFCAST_DKIM_KEY or dkim.private_key_file' : 'not configured: mail goes out unsigned (see dkim in README.md)');
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
