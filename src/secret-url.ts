/**
 * Server addresses from the environment (SMTP_URL, DATABASE_URL) carry passwords. Every stage
 * that shows one, or shows an error that might quote one, goes through here, so a password is
 * never printed or logged, whatever characters it holds.
 */

/** `scheme://user:`: what follows, up to the last `@` of the line, is the password. */
const withPassword = /\b[a-z][a-z0-9+.-]{0,30}:\/\/[^\s:@/]{0,200}:/i;
/** `scheme://` and anything before an `@` in the same word, with or without a `:`. */
const withUserinfo = /\b([a-z][a-z0-9+.-]{0,30}:\/\/)([^\s:@/]{0,200})[^\s@]{0,1000}@(?=\S)/gi;
/** No scheme at all, as `admin:S3CRET@host:587`: a word, a colon, no space, then an `@`. */
const bareUserinfo = /(^|[\s<("'=,;])([\w.%+-]{1,200}):\S{0,1000}@(?=\S)/g;
/** Query or key=value parameters that carry a secret, up to the next parameter or the end of the line. */
const secretParameter = /((?:^|[?&;\s])[\w.-]{0,50}(?:pass|pwd|secret|token|key)[\w.-]{0,50}=)[^&#\n]*/gi;

/**
 * Everything from the first `scheme://user:` of a line to the line's last `@` is hidden: a
 * password with an unencoded `/`, `@` or space in it is still inside. A line that goes on to
 * another address loses a little more than the password, which is the safe way to be wrong.
 */
function hidePasswords(line: string): string {
  const last = line.lastIndexOf('@');
  const m = last < 0 ? null : withPassword.exec(line.slice(0, last));
  return m ? `${line.slice(0, m.index + m[0].length)}…${line.slice(last)}` : line;
}

/** The text with the credentials of every address in it hidden: `smtp://user:…@host`, `?password=…`. */
export function redactUrls(text: string): string {
  return text
    .split('\n')
    .map(hidePasswords)
    .join('\n')
    .replace(withUserinfo, (all: string, scheme: string, user: string) => (all.endsWith(':…@') ? all : `${scheme}${user}:…@`))
    .replace(bareUserinfo, (all: string, before: string, user: string) => (all.endsWith(':…@') ? all : `${before}${user}:…@`))
    .replace(secretParameter, (_all, name: string) => `${name}…`);
}

/** A server address the user gave that cannot be used: one line, with no password in it. */
export class ServerUrlError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(redactUrls(message));
    this.name = 'ServerUrlError';
  }
}

/**
 * Parses a server address and checks its scheme before anything else looks at it. The message
 * names the variable and the scheme, never the address.
 */
export function parseServerUrl(name: string, text: string, schemes: readonly string[]): URL {
  // The address is never quoted back: when it cannot be parsed, nothing can say where its password ends.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  const expected = schemes.map((s) => `${s}://`).join(' or ');
  if (!scheme || !schemes.includes(scheme)) throw new ServerUrlError('ESERVERURL', `${name}: expected ${expected}… (got ${scheme ? `${scheme}://` : 'no scheme'})`);
  try {
    return new URL(text);
  } catch {
    throw new ServerUrlError('ESERVERURL', `${name}: not a valid address (a password with / @ : space or % in it must be percent-encoded)`);
  }
}
