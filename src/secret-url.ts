/**
 * Server addresses from the environment (SMTP_URL, DATABASE_URL) carry passwords. Every stage
 * that shows one, or shows an error that might quote one, goes through here, so a password is
 * never printed or logged, whatever characters it holds.
 */

/**
 * `scheme://`, the user name, then everything up to the last `@` before white space: a password
 * with an unencoded `/` or `@` in it is still inside the match. An address whose path has an `@`
 * loses a little more than its password, which is the safe way to be wrong.
 */
const credentials = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]*)\S*@/gi;

/** The text with the credentials of every URL in it hidden: `smtp://user:…@host`. */
export function redactUrls(text: string): string {
  return text.replace(credentials, (_all, scheme: string, user: string) => `${scheme}${user}:…@`);
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
 * names the variable and shows the address with its password hidden.
 */
export function parseServerUrl(name: string, text: string, schemes: readonly string[]): URL {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  const expected = schemes.map((s) => `${s}://`).join(' or ');
  if (!scheme || !schemes.includes(scheme)) throw new ServerUrlError('ESERVERURL', `${name}: expected ${expected}… (got ${scheme ? `${scheme}:` : 'no scheme'} in ${text})`);
  try {
    return new URL(text);
  } catch {
    throw new ServerUrlError('ESERVERURL', `${name}: not a valid address: ${text} (a password with / @ : or % in it must be percent-encoded)`);
  }
}
