import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface Received {
  to: string;
  mail: ParsedMail;
}

/** What the test server answers; return an SMTP error to refuse, or 'drop' to cut the connection mid-DATA. */
export interface Policy {
  /** Answers MAIL FROM (the sender); read at each message, so a test may change it midway. */
  mailFrom?(): { code: number; message: string } | undefined;
  /** With a login policy the server offers AUTH and the URL carries a user: answer the login. */
  login?(): { code: number; message: string } | undefined;
  rcpt?(address: string, attempt: number): { code: number; message: string } | undefined;
  data?(to: string, attempt: number): 'drop' | { code: number; message: string } | undefined;
  /** Milliseconds to wait before accepting a message. */
  delay?: number;
}

export interface Sink {
  url: string;
  received: Received[];
  /** Accepted messages per recipient. */
  count(address: string): number;
  onAccepted?: (n: number) => void;
  close(): Promise<void>;
}

function smtpError(code: number, message: string) {
  return Object.assign(new Error(message), { responseCode: code });
}

/** A real SMTP server on a free loopback port, recording what it accepts, parsed by mailparser. */
export async function startSink(policy: Policy = {}): Promise<Sink> {
  const received: Received[] = [];
  const rcptAttempts = new Map<string, number>();
  const dataAttempts = new Map<string, number>();
  const sink: Sink = {
    url: '',
    received,
    count: (address) => received.filter((r) => r.to === address.toLowerCase()).length,
    close: () => new Promise((done) => server.close(() => done())),
  };
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    disabledCommands: policy.login ? ['STARTTLS'] : ['AUTH', 'STARTTLS'],
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onAuth(_auth, _session, callback) {
      const refusal = policy.login?.();
      if (refusal) callback(smtpError(refusal.code, refusal.message));
      else callback(null, { user: 'board' });
    },
    onMailFrom(_address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const refusal = policy.mailFrom?.();
      callback(refusal ? smtpError(refusal.code, refusal.message) : null);
    },
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const to = address.address.toLowerCase();
      const attempt = (rcptAttempts.get(to) ?? 0) + 1;
      rcptAttempts.set(to, attempt);
      const refusal = policy.rcpt?.(to, attempt);
      callback(refusal ? smtpError(refusal.code, refusal.message) : null);
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const to = session.envelope.rcptTo[0]!.address.toLowerCase();
      const attempt = (dataAttempts.get(to) ?? 0) + 1;
      dataAttempts.set(to, attempt);
      const verdict = policy.data?.(to, attempt);
      if (verdict === 'drop') {
        stream.once('data', () => {
          // Cut the connection in the middle of DATA, as a crashing relay would.
          const connections = (server as unknown as { connections: Set<{ session?: { id: string }; id?: string; _socket: { destroy(): void } }> }).connections;
          for (const c of connections) if (c.id === session.id || c.session?.id === session.id) c._socket.destroy();
        });
        stream.resume();
        return;
      }
      simpleParser(stream)
        .then(async (mail) => {
          if (verdict) return callback(smtpError(verdict.code, verdict.message));
          if (policy.delay) await new Promise((r) => setTimeout(r, policy.delay));
          received.push({ to, mail });
          sink.onAccepted?.(received.length);
          callback(null);
        })
        .catch((error: Error) => callback(error));
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  sink.url = `smtp://${policy.login ? 'board:secret@' : ''}127.0.0.1:${(server.server.address() as AddressInfo).port}?ignoreTLS=true`;
  return sink;
}
