import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { describe, expect, it } from 'vitest';
import { parseServerUrl, redactUrls, ServerUrlError } from '../src/secret-url.js';
import { smtpTransport } from '../src/send/index.js';
import { openStore, StoreError } from '../src/store/index.js';
import { cli, tempProject } from './helpers.js';

describe('passwords in server addresses', () => {
  it('are hidden in any text, whatever characters they hold', () => {
    expect(redactUrls('cannot open postgres://board:pa/ss@w0rd@db.example.org:5432/bc: refused')).toBe('cannot open postgres://board:…@db.example.org:5432/bc: refused');
    expect(redactUrls('smpt://user:s3cret@mail.example.org:587')).toBe('smpt://user:…@mail.example.org:587');
    expect(redactUrls('no address here, and http://localhost:4000/children-p/ has no password')).toBe('no address here, and http://localhost:4000/children-p/ has no password');
    expect(redactUrls('cannot reach admin:S3CRET@mail.example.org:587')).toBe('cannot reach admin:…@mail.example.org:587');
    expect(redactUrls('bad smtp://user:S3CRET PW@[::1')).toBe('bad smtp://user:…@[::1');
    expect(redactUrls('postgres://u:S3CRET PW@db.example.org/bc refused')).toBe('postgres://u:…@db.example.org/bc refused');
    expect(redactUrls('postgres://db.example.org/bc?user=u&password=S3CRET PW&sslmode=require')).toBe('postgres://db.example.org/bc?user=u&password=…&sslmode=require');
    expect(redactUrls('host=db password=S3CRET')).toBe('host=db password=…');
    expect(redactUrls('550 <jo.bloggs@example.org>: Recipient rejected; Invalid login: 535 for jo@example.org')).toBe('550 <jo.bloggs@example.org>: Recipient rejected; Invalid login: 535 for jo@example.org');
  });

  it('an address that cannot be parsed is never quoted back, whatever it holds', () => {
    for (const text of ['admin:S3CRET@mail.example.org:587', 'smtp://user:S3CRET PW@[::1', 'smtp://mail.example.org:99999?password=S3CRET']) {
      const message = (() => {
        try {
          parseServerUrl('SMTP_URL', text, ['smtp', 'smtps']);
          return 'parsed';
        } catch (error) {
          return (error as Error).message;
        }
      })();
      expect(message, text).toMatch(/^SMTP_URL: (expected|not a valid address)/);
      expect(message, text).not.toMatch(/S3CRET|PW/);
    }
  });

  it('a mistyped scheme is refused before anything reads the address, and the message has no password', () => {
    expect(() => parseServerUrl('SMTP_URL', 'smpt://user:s3cret@mail.example.org', ['smtp', 'smtps'])).toThrow(ServerUrlError);
    try {
      parseServerUrl('SMTP_URL', 'smpt://user:s3cret@mail.example.org', ['smtp', 'smtps']);
    } catch (error) {
      expect((error as Error).message).toBe('SMTP_URL: expected smtp:// or smtps://… (got smpt://)');
    }
  });

  it('store errors never show a PostgreSQL password with / or @ in it', async () => {
    for (const url of ['postgres://board:pa/ss@w0rd@127.0.0.1:1/none', 'postgres://board:p@ss@127.0.0.1:1/none', 'mysql://board:pa55@127.0.0.1/none']) {
      const error = await openStore('/nonexistent', { DATABASE_URL: url }).catch((e: unknown) => e);
      expect(error, url).toBeInstanceOf(StoreError);
      expect((error as Error).message, url).not.toMatch(/pa\/ss|w0rd|p@ss|pa55/);
    }
  });

  it('doctor and send say what is wrong with SMTP_URL and DATABASE_URL without printing their passwords', async () => {
    const dir = tempProject();
    const env = { SMTP_URL: 'smpt://user:s3cret-pw@mail.example.org:587', DATABASE_URL: 'postgres://board:pa/ss@w0rd@127.0.0.1:1/none' };
    const doctor = await cli(dir, ['doctor'], env);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/^FAIL {2}SMTP: SMTP_URL: expected smtp:\/\/ or smtps:\/\/… \(got smpt:/m);
    expect(doctor.stdout).toMatch(/^FAIL {2}database: /m);
    expect(doctor.stdout + doctor.stderr).not.toMatch(/s3cret-pw|pa\/ss|w0rd/);
    const send = await cli(dir, ['send', 'children-p', '--yes'], { SMTP_URL: env.SMTP_URL });
    expect(send.code).toBe(1);
    expect(send.stderr).toContain('SMTP_URL: expected smtp://');
    expect(send.stdout + send.stderr).not.toContain('s3cret-pw');
  });
});

describe('SMTP AUTH', () => {
  /** A server that offers AUTH but no STARTTLS, and records every password it is given. */
  async function plainAuthServer() {
    const passwords: string[] = [];
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, callback) {
        passwords.push(auth.password ?? '');
        callback(null, { user: auth.username });
      },
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback(null));
      },
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    return { port: (server.server.address() as AddressInfo).port, passwords, close: () => new Promise<void>((done) => server.close(() => done())) };
  }

  const message = { seq: 1, from: 'board@example.org', to: { name: 'Jo', address: 'jo@example.org' }, subject: 'x', text: 'x' };

  it('with a user name on smtp://, a server without STARTTLS never sees the password; ?requireTLS=false is the way out', async () => {
    const server = await plainAuthServer();
    try {
      const strict = smtpTransport(`smtp://board:s3cret@127.0.0.1:${server.port}`, { connections: 1, rate_per_second: 100 });
      await expect(strict.send(message)).rejects.toThrow();
      await strict.close();
      expect(server.passwords).toEqual([]);
      const optedOut = smtpTransport(`smtp://board:s3cret@127.0.0.1:${server.port}?requireTLS=false`, { connections: 1, rate_per_second: 100 });
      await optedOut.send(message);
      await optedOut.close();
      expect(server.passwords).toEqual(['s3cret']);
    } finally {
      await server.close();
    }
  });
});
