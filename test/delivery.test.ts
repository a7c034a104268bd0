import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, expect, it } from 'vitest';
import { openProject, renderBySlug } from '../src/build.js';
import { loadConfig } from '../src/config/index.js';
import { dateLabel, pageUrl } from '../src/render/index.js';
import { createComposer, dkimRecord, outboxTransport, plannedContent, senderOf, smtpTransport, type OutgoingMessage } from '../src/send/index.js';
import { escapeHtml, fill } from '../src/slots.js';
import type { SlottedText } from '../src/store/index.js';
import { createTokens } from '../src/tokens/index.js';
import { SMTPServer } from 'smtp-server';
import { cli, configure, fastSending, tempProject } from './helpers.js';
import { dkimVerdicts } from './postfix.js';

const dir = tempProject();
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
writeFileSync(join(dir, 'dkim.pem'), pem);
configure(dir, { dkim: { domain: 'example.org', selector: 'brief1', private_key_file: 'dkim.pem' }, send: { bounce_domain: 'bounces.example.org' } });
const tokens = createTokens('delivery test secret');

async function composer() {
  const { project, problems } = await openProject({ root: dir, baseUrl: 'https://briefings.example.org' });
  expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  const rendered = renderBySlug(project!, 'children-p').rendered!;
  const config = project!.config;
  const source = { rendered, agencies: project!.agencies, webUrl: pageUrl(config, 'children-p'), dateLabel };
  const content = [plannedContent(source, { tracked: true })];
  return { config, content: content[0]!, compose: createComposer({ sender: senderOf(config), content, links: rendered.links, campaign: 7, slug: 'children-p', tokens, installId: 'test' }) };
}

it('signs with DKIM from the configured key, List-Unsubscribe and List-Unsubscribe-Post among the signed headers', async () => {
  const { config, compose } = await composer();
  const outbox = outboxTransport(join(dir, 'outbox', 'dkim'));
  const result = await outbox.send(compose({ id: 41, seq: 1, email: 'reader@agency.example', name: 'Reader', agencies: 'police' }));
  const raw = readFileSync(result.response.replace(/^250 written /, ''));
  expect(await dkimVerdicts(raw, dkimRecord(pem, 'example.org', 'brief1'))).toEqual(['pass']);
  const header = (await simpleParser(raw)).headerLines.find((h) => h.key === 'dkim-signature')!.line;
  expect(header).toMatch(/(^|;)\s*d=example\.org;/);
  expect(header).toMatch(/(^|;)\s*s=brief1;/);
  const signed = /(?:^|;)\s*h=([^;]+)/.exec(header)![1]!.replace(/\s+/g, '').toLowerCase().split(':');
  expect(signed).toEqual(expect.arrayContaining(['from', 'subject', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post', 'list-id']));
  expect(config.dkim?.private_key).toBe(pem);

  // Another key at the same selector: the signature no longer verifies.
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  expect(await dkimVerdicts(raw, dkimRecord(other, 'example.org', 'brief1'))).toEqual(['fail']);
});

it('the message: the pixel inside a cell, the preheader hidden without a text colour, a colour scheme for dark mode', async () => {
  const { compose } = await composer();
  const outbox = outboxTransport(join(dir, 'outbox', 'message'));
  const result = await outbox.send(compose({ id: 41, seq: 1, email: 'reader@agency.example', name: 'Reader', agencies: 'police' }));
  const html = (await simpleParser(readFileSync(result.response.replace(/^250 written /, '')))).html as string;
  const pixel = html.indexOf('/o/');
  expect(pixel).toBeGreaterThan(0);
  // Inside a <td> that is still open (not directly in a <table> or <tr>).
  const before = html.slice(0, pixel);
  expect(before.lastIndexOf('<td')).toBeGreaterThan(before.lastIndexOf('</td>'));
  expect(before.slice(before.lastIndexOf('<td')).match(/<\/?(table|tr|tbody)\b/)).toBeNull();
  const preheader = /<div style="(display:none;[^"]*)" aria-hidden="true">([^<]*)<\/div>/.exec(html);
  expect(preheader![2]).not.toBe('');
  expect(preheader![1]).not.toMatch(/color/);
  expect(html).toContain('<meta name="color-scheme" content="light dark" />');
  expect(html).toMatch(/@media \(prefers-color-scheme: dark\)/);
  expect(html).toMatch(/class="banner"/);
});

it('each part is encoded once per content: decoded, every message is exactly its filled template, quoted-printable or base64 by nodemailer\'s rule, no line over 76', async () => {
  const { config, compose, content: sample } = await composer();
  const reader = (name: string) => ({ id: 41, seq: 1, email: 'reader@agency.example', name, agencies: 'police' });
  const token = tokens.sign({ campaign: 7, delivery: 41 });
  const base = 'https://briefings.example.org';
  const valuesFor = (name: string, slug: string): Record<string, string> => ({
    ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`link-${i + 1}`, `${base}/c/${token}/${i + 1}`])),
    web: `${base}/b/${slug}?t=${token}`,
    ack: `${base}/a/${token}`,
    pixel: `${base}/o/${token}.gif`,
    unsubscribe: `${base}/u/${token}`,
    name,
  });
  const composerOf = (subject: string, html: SlottedText, text: SlottedText) =>
    createComposer({
      sender: senderOf(config),
      content: [{ agencies: '*', subject, html, text, web_url: `${base}/p/`, tracked: true }],
      links: Array.from({ length: 12 }, (_, i) => ({ n: i + 1, url: `https://example.org/${i}`, text: 'x' })),
      campaign: 7,
      slug: 'p',
      tokens,
      installId: 'test',
    });
  const slotted = (names: string[], around: string) => ({ parts: [around, ...names.map(() => around)], names });
  const links = Array.from({ length: 12 }, (_, i) => `link-${i + 1}`);
  const words = 'الدروس المستفادة من المراجعة ';
  const long = slotted([], words.repeat(40));
  const stream = createRequire(import.meta.url)('nodemailer').createTransport({ streamTransport: true, buffer: true });
  // Every line end, a lone CR or LF too, as the CRLF that SMTP's DATA makes of it.
  const overSmtp = async (mail: object) => ((await stream.sendMail(mail)).message as Buffer).toString().replace(/\r\n|\r|\n/g, '\r\n');
  const check = async (i: number, message: OutgoingMessage, content: { html: SlottedText; text: SlottedText }, name: string, slug: string, encodings: string[]) => {
    const { seq: _seq, ...mail } = message;
    const raw = await overSmtp(mail);
    for (const l of raw.split('\r\n')) expect([i, l.length <= 76 || l.startsWith('DKIM-Signature') || /^\s/.test(l) ? 'fits' : l]).toEqual([i, 'fits']);
    expect([i, [...raw.matchAll(/^Content-Transfer-Encoding: (\S+)/gim)].map((m) => m[1])]).toEqual([i, encodings]);
    const parsed = await simpleParser(raw);
    const values = valuesFor(name, slug);
    // mailparser gives line ends as LF.
    const lines = (s: string) => s.replace(/\r\n/g, '\n');
    expect([i, lines(parsed.html as string)]).toEqual([i, lines(fill(content.html, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, escapeHtml(v)]))))]);
    expect([i, lines(parsed.text as string).replace(/\n$/, '')]).toEqual([i, lines(fill(content.text, values)).replace(/\n$/, '')]);
  };
  // The sample briefing, to readers named in three scripts.
  for (const [i, name] of ['Reader', 'Zoë Ångström 王', 'محمد علي'].entries()) await check(i, compose(reader(name)), sample, name, 'children-p', ['quoted-printable', 'quoted-printable']);
  // A board writing in Arabic: base64, as nodemailer would choose.
  await check(3, composerOf('إحاطة خمس دقائق', long, long)(reader('سارة')), { html: long, text: long }, 'سارة', 'p', ['base64', 'base64']);
  // Twelve tracked links slotted into a short Arabic text tip it to quoted-printable: counted with them.
  const tipped = { html: slotted([...links, 'pixel', 'web', 'ack', 'unsubscribe'], words.slice(0, 12)), text: slotted([...links, 'web'], words.slice(0, 12)) };
  await check(4, composerOf('Five minute briefing', tipped.html, tipped.text)(reader('Sara')), tipped, 'Sara', 'p', ['quoted-printable', 'quoted-printable']);
  // Each part chooses for itself: an Arabic html, a text that is only the reader's name.
  const apart = { html: slotted(['name'], words), text: slotted(['name'], '') };
  await check(5, composerOf('Five minute briefing', apart.html, apart.text)(reader('Alexandra Featherstonehaugh')), apart, 'Alexandra Featherstonehaugh', 'p', ['quoted-printable', 'base64']);
  // Pieces and names nobody would write: "=" and spaces at every edge, tabs, blank lines, lines
  // far over 76 with nowhere to break, emoji across a break, text that is all slots.
  const odd = ['', ' ', '=', 'y'.repeat(76), 'z'.repeat(151), '= ', '\t', '\n', ' \n', '\n\n', 'x'.repeat(200), '=3D'.repeat(40), 'é'.repeat(100), '😀'.repeat(50), 'a b '.repeat(60), ' trailing ', 'line\nline \nline\t\n'];
  for (let k = 0; k < 40; k++) {
    const pick = (j: number) => odd[(k * 7 + j * 3) % odd.length]!;
    const names = ['name', 'web', 'name', 'link-1'].slice(0, 1 + (k % 4));
    const part = { parts: [pick(0), ...names.map((_, j) => pick(j + 1))], names };
    const name = pick(k) + 'Reader ' + pick(k + 5);
    const message = composerOf('Briefing', part, part)(reader(name));
    await check(10 + k, message, { html: part, text: part }, name, 'p', [...raw(message)]);
  }
  // A CRLF split between a piece and a slot's value, or across an empty value: still one line break.
  const splits: [SlottedText, string][] = [
    [{ parts: ['Hi\r', '\nbye\r', '\nend'], names: ['name', 'name'] }, ''],
    [{ parts: ['Hi ', '\nbye'], names: ['name'] }, 'Bob\r'],
  ];
  for (const [k, [part, name]] of splits.entries()) await check(60 + k, composerOf('Briefing', part, part)(reader(name)), { html: part, text: part }, name, 'p', ['quoted-printable', 'quoted-printable']);
  // An empty part is left out, as nodemailer alone leaves out an empty html: a mail program would show that one.
  const textOnly = composerOf('Briefing', { parts: [''], names: [] }, slotted(['name'], 'Hello '))(reader('Sara'));
  const { seq: _s, ...mail } = textOnly;
  const sent = await overSmtp(mail);
  expect(sent).not.toMatch(/text\/html/);
  expect((await simpleParser(sent)).text?.trim()).toBe('Hello SaraHello');
  function* raw(message: OutgoingMessage) {
    for (const part of [message.text, message.html] as { raw: string }[]) yield /Content-Transfer-Encoding: (\S+)/.exec(part.raw)![1]!;
  }
});

it('a missing or broken key file is an error at its place in briefcast.yml; none at all warns that mail goes unsigned', () => {
  const path = join(dir, 'briefcast.yml');
  const text = readFileSync(path, 'utf8');
  const line = text.split('\n').findIndex((l) => l.includes('private_key_file')) + 1;
  const env = { BRIEFCAST_DKIM_KEY: '' };
  writeFileSync(join(dir, 'broken.yml'), text.replace('dkim.pem', 'missing.pem'));
  const missing = loadConfig(join(dir, 'broken.yml'), env);
  expect(missing.config).toBeUndefined();
  expect(missing.problems).toMatchObject([{ code: 'EDKIMKEY', severity: 'error', line, message: 'dkim.private_key_file: cannot read missing.pem' }]);
  writeFileSync(join(dir, 'not-a-key.pem'), 'hello');
  writeFileSync(join(dir, 'broken.yml'), text.replace('dkim.pem', 'not-a-key.pem'));
  expect(loadConfig(join(dir, 'broken.yml'), env).problems).toMatchObject([{ code: 'EDKIMKEY', message: 'dkim: not-a-key.pem is not a private key in PEM form' }]);
  writeFileSync(join(dir, 'broken.yml'), text.replace(/\n\s*private_key_file: dkim\.pem/, ''));
  const none = loadConfig(join(dir, 'broken.yml'), env);
  expect(none.config?.dkim?.private_key).toBeUndefined();
  expect(none.problems).toMatchObject([{ code: 'EDKIMKEY', severity: 'warning' }]);
  // The environment's key wins over the file.
  expect(loadConfig(path, { BRIEFCAST_DKIM_KEY: 'not a key' }).problems).toMatchObject([{ code: 'EDKIMKEY', message: 'dkim: BRIEFCAST_DKIM_KEY is not a private key in PEM form' }]);
});

/** A bare SMTP server on loopback that keeps the client's commands, to see the greeting, the envelope and the goodbye. */
async function transcriptServer() {
  const lines: string[] = [];
  const closed: Promise<void>[] = [];
  const server = createServer((socket: Socket) => {
    let data = false;
    let buffer = '';
    closed.push(once(socket, 'close').then(() => undefined));
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let end;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data) {
          if (line === '.') {
            data = false;
            socket.write('250 2.0.0 queued\r\n');
          }
          continue;
        }
        lines.push(line);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-test\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') {
          data = true;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 2.0.0 bye\r\n');
        else socket.write('250 2.1.0 ok\r\n');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  afterAll(() => new Promise<void>((done) => server.close(() => done())));
  return { url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}?ignoreTLS=true`, lines, closed };
}

it('greets the relay with the sender domain, sends from a return address naming the delivery, and says QUIT when done', async () => {
  const { config, compose } = await composer();
  const relay = await transcriptServer();
  const transport = smtpTransport(relay.url, config.send);
  await transport.send(compose({ id: 41, seq: 1, email: 'reader@agency.example', name: 'Reader', agencies: 'police' }));
  await transport.close();
  await Promise.all(relay.closed);
  expect(relay.lines[0]).toBe(`EHLO ${(config.sender?.email ?? config.board.email).split('@')[1]}`);
  expect(relay.lines[0]).not.toMatch(/\[/);
  const from = /^MAIL FROM:<bounces\+([A-Za-z0-9_-]+)@bounces\.example\.org>/.exec(relay.lines.find((l) => l.startsWith('MAIL FROM'))!);
  expect(tokens.verify(from![1]!)).toEqual({ campaign: 7, delivery: 41 });
  expect(relay.lines).toContain('RCPT TO:<reader@agency.example>');
  expect(relay.lines.at(-1)).toBe('QUIT');
});

it('doctor names a self-signed relay certificate, prints the DKIM TXT record to publish, and says what of SPF/DKIM/DMARC it checked', async () => {
  // A relay offering STARTTLS with a certificate it signed itself, made fresh (valid for a day).
  const certDir = mkdtempSync(join(tmpdir(), 'briefcast-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=relay.example.org', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
  const relay = new SMTPServer({ authOptional: true, logger: false, disableReverseLookup: true, key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) });
  relay.on('error', () => undefined);
  await new Promise<void>((ok) => relay.listen(0, '127.0.0.1', ok));
  try {
    const port = (relay.server.address() as AddressInfo).port;
    const run = await cli(dir, ['doctor'], { SMTP_URL: `smtp://127.0.0.1:${port}`, BRIEFCAST_DKIM_KEY: '' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL {2}SMTP: 127\.0\.0\.1:\d+: the relay's certificate is self-signed: give this machine its certificate with NODE_EXTRA_CA_CERTS=/m);
    const record = dkimRecord(pem, 'example.org', 'brief1');
    expect(run.stdout).toContain(`ok    DKIM: 2048-bit RSA key; publish: brief1._domainkey.example.org TXT "${record.value}"\n`);
    for (const what of ['SPF', 'DKIM in DNS', 'DMARC']) expect(run.stdout).toMatch(new RegExp(`^(ok {2}|warn|FAIL) {2}${what}: `, 'm'));
    const optedOut = await cli(dir, ['doctor'], { SMTP_URL: `smtp://127.0.0.1:${port}?tls.rejectUnauthorized=false` });
    expect(optedOut.stdout).toMatch(/^ok {4}SMTP: 127\.0\.0\.1:\d+ accepts connections$/m);
  } finally {
    await new Promise<void>((done) => relay.close(() => done()));
  }
});

it('a real send with an http:// base URL warns that one-click unsubscribe needs https', async () => {
  const relay = await transcriptServer();
  configure(dir, fastSending);
  const run = await cli(dir, ['send', 'children-p', '--yes', '--agency', 'police'], { SMTP_URL: relay.url, BRIEFCAST_BASE_URL: 'http://briefings.example.org' });
  expect(run.code).toBe(0);
  expect(run.stderr).toContain('briefcast: warning: base_url http://briefings.example.org is http://: mailbox providers offer one-click unsubscribe only for https (RFC 8058)\n');
  const https = await cli(dir, ['send', 'children-p', '--yes', '--again', '--agency', 'police'], { SMTP_URL: relay.url, BRIEFCAST_BASE_URL: 'https://briefings.example.org' });
  expect(https.code).toBe(0);
  expect(https.stderr).not.toContain('one-click');
});
