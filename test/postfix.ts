import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A Postfix of our own on loopback: its own config, queue and Maildirs in a temp folder, nothing
 * delivered off the machine. Every address at board.test (bounces+… too) lands in one Maildir;
 * each address given has a Maildir of its own; gone.test is routed to Postfix's error: transport,
 * so a message there is accepted and then bounces for real; anything else bounces too.
 */
export interface Postfix {
  /** SMTP_URL for it. */
  url: string;
  dir: string;
  /** The Maildir of an address (board.test addresses share one). */
  maildir(address: string): string;
  /** The messages delivered to a Maildir so far (new/ and cur/). */
  delivered(address: string): Buffer[];
  log(): string;
  stop(): void;
}

const isRoot = process.getuid?.() === 0;

/** Postfix's master must start as root: as root, or through sudo without a password. */
function privileged(command: string, args: string[], daemon = false): string {
  // A daemon keeps whatever pipes it was given: give it none, or this would wait for it to end.
  return execFileSync(isRoot ? command : 'sudo', isRoot ? args : ['-n', command, ...args], { stdio: daemon ? 'ignore' : 'pipe' })?.toString() ?? '';
}

/** Whether Postfix is installed and can be started. In CI it must be: there, its absence fails instead of skipping. */
export function postfixAvailable(): boolean {
  let why: string | undefined;
  if (!existsSync('/usr/sbin/postfix')) why = 'no /usr/sbin/postfix';
  else if (!isRoot) {
    try {
      privileged('true', []);
    } catch {
      why = 'not root, and sudo asks for a password';
    }
  }
  if (!why) return true;
  if (process.env.CI) throw new Error(`Postfix cannot run in CI (${why}): .ci/run installs it`);
  console.warn(`Postfix tests skipped: ${why} (.ci/run installs it)`);
  return false;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

/** Waits (generously) until a server answers on the port; else gives up with what `failed` says. */
async function waitForPort(port: number, failed: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const up = await new Promise<boolean>((done) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        done(true);
      });
      s.on('error', () => done(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(failed());
}

const SERVICES = `
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       1       1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;

export async function startPostfix(mailboxes: string[]): Promise<Postfix> {
  const dir = mkdtempSync(join(tmpdir(), 'briefcast-postfix-'));
  const etc = join(dir, 'etc');
  const mail = join(dir, 'mail');
  for (const d of [etc, join(dir, 'queue'), join(dir, 'data'), mail]) mkdirSync(d, { recursive: true });
  // Postfix's own processes run as postfix and must reach their folders; the virtual delivery
  // agent writes as an unprivileged user (never root): the test's own, or nobody under root.
  chmodSync(dir, 0o755);
  privileged('chown', ['postfix', join(dir, 'data')]);
  const owner = isRoot ? 65534 : process.getuid!();
  if (isRoot) chownSync(mail, owner, owner);
  const port = await freePort();
  writeFileSync(
    join(etc, 'main.cf'),
    `compatibility_level = 3.6
config_directory = ${etc}
queue_directory = ${join(dir, 'queue')}
data_directory = ${join(dir, 'data')}
maillog_file = ${join(dir, 'maillog')}
maillog_file_prefixes = ${dir}
mail_owner = postfix
setgid_group = postdrop
myhostname = relay.board.test
mydomain = board.test
myorigin = board.test
mydestination =
# Loopback only, and nothing ever leaves this machine: unknown domains bounce at once.
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtp_dns_support_level = disabled
default_transport = error:5.4.4 this test relay delivers nowhere else
transport_maps = texthash:${join(etc, 'transport')}
virtual_mailbox_domains = board.test ${[...new Set(mailboxes.map((a) => a.split('@')[1]))].join(' ')}
virtual_mailbox_base = ${mail}
virtual_mailbox_maps = texthash:${join(etc, 'mailboxes')}
virtual_uid_maps = static:${owner}
virtual_gid_maps = static:${isRoot ? owner : process.getgid!()}
virtual_minimum_uid = 100
alias_maps =
alias_database =
local_recipient_maps =
# Accept first, bounce later: what a relay does when the next hop refuses.
smtpd_reject_unlisted_recipient = no
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
bounce_queue_lifetime = 0
maximal_queue_lifetime = 1h
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
delay_warning_time = 0
biff = no
`,
  );
  writeFileSync(join(etc, 'master.cf'), `127.0.0.1:${port} inet n - n - - smtpd\n${SERVICES}`);
  writeFileSync(join(etc, 'transport'), 'gone.test error:5.1.1 mailbox unavailable\n');
  writeFileSync(
    join(etc, 'mailboxes'),
    [...mailboxes.map((a) => `${a} ${a.split('@')[1]}/${a.split('@')[0]}/`), '@board.test board.test/catchall/'].join('\n') + '\n',
  );
  const postfix = (...args: string[]) => privileged('/usr/sbin/postfix', ['-c', etc, ...args]);
  postfix('check');
  postfix('start');
  await waitForPort(port, () => {
    const log = existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8') : 'no log';
    postfix('stop');
    return `Postfix did not start:\n${log}`;
  });
  const maildir = (address: string) => {
    const [local, domain] = address.split('@') as [string, string];
    return domain === 'board.test' ? join(mail, 'board.test', 'catchall') : join(mail, domain, local);
  };
  return {
    url: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
    dir,
    maildir,
    delivered(address) {
      const box = maildir(address);
      return ['new', 'cur'].flatMap((d) => (existsSync(join(box, d)) ? readdirSync(join(box, d)).map((f) => readFileSync(join(box, d, f))) : []));
    },
    log: () => (existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8') : ''),
    stop() {
      try {
        postfix('stop');
      } finally {
        // The queue belongs to postfix: removing it takes the same rights that started it.
        privileged('rm', ['-rf', dir]);
      }
    },
  };
}

export interface Dovecot {
  /** BOUNCE_IMAP_URL for the user "bounces". */
  url: string;
  /** The Maildir behind that user's INBOX (folders are .<name> inside it). */
  maildir: string;
  log(): string;
  stop(): void;
}

/** Whether Dovecot's IMAP server is installed and can be started; in CI it must be. */
export function dovecotAvailable(): boolean {
  if (!existsSync('/usr/sbin/dovecot')) {
    if (process.env.CI) throw new Error('Dovecot is not installed in CI: .ci/run installs dovecot-imapd');
    console.warn('IMAP tests skipped: no /usr/sbin/dovecot (.ci/run installs dovecot-imapd)');
    return false;
  }
  return postfixAvailable();
}

/** A Dovecot of our own on loopback, plain IMAP, one password for every user, Maildirs in a temp folder. */
export async function startDovecot(password: string): Promise<Dovecot> {
  const dir = mkdtempSync(join(tmpdir(), 'briefcast-dovecot-'));
  chmodSync(dir, 0o755);
  const owner = isRoot ? 65534 : process.getuid!();
  const group = isRoot ? 65534 : process.getgid!();
  for (const d of ['mail', 'home']) {
    mkdirSync(join(dir, d));
    if (isRoot) chownSync(join(dir, d), owner, group);
  }
  const port = await freePort();
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    `protocols = imap
listen = 127.0.0.1
base_dir = ${join(dir, 'run')}
state_dir = ${join(dir, 'state')}
log_path = ${join(dir, 'dovecot.log')}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${join(dir, 'mail')}/%u
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
passdb {
  driver = static
  args = password=${password}
}
userdb {
  driver = static
  args = uid=${owner} gid=${group} home=${join(dir, 'home')}/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`,
  );
  privileged('/usr/sbin/dovecot', ['-c', conf], true);
  const log = () => (existsSync(join(dir, 'dovecot.log')) ? readFileSync(join(dir, 'dovecot.log'), 'utf8') : '');
  const stop = () => {
    try {
      privileged('/usr/sbin/dovecot', ['-c', conf, 'stop']);
    } finally {
      privileged('rm', ['-rf', dir]);
    }
  };
  await waitForPort(port, () => {
    const text = log();
    stop();
    return `Dovecot did not start:\n${text}`;
  });
  return { url: `imap://bounces:${password}@127.0.0.1:${port}/INBOX`, maildir: join(dir, 'mail', 'bounces'), log, stop };
}

/**
 * The DKIM verdicts mailauth gives a raw message, with a DNS that knows only the key published
 * at `record` (no lookup leaves the machine): 'pass', 'fail', … one per signature.
 */
export async function dkimVerdicts(raw: Buffer, record: { name: string; value: string }): Promise<string[]> {
  const { authenticate } = await import('mailauth');
  const resolver = async (name: string, type: string) => {
    if (type === 'TXT' && name === record.name) return [[record.value]];
    throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
  const { dkim } = await authenticate(raw, { ip: '127.0.0.1', disableArc: true, disableDmarc: true, disableBimi: true, resolver: resolver as never });
  return dkim.results.map((r) => r.status.result);
}
