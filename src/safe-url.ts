/**
 * Which addresses from briefings and briefcast.yml may reach a page or an email. A briefing is
 * written by many hands and its page is public: `javascript:` or `data:` there runs as code in
 * the site's origin, next to the dashboard's login.
 */

const linkSchemes = ['http:', 'https:', 'mailto:'];

function scheme(url: string): string | undefined {
  // Browsers ignore leading white space and control characters, and tabs or newlines inside the scheme.
  const cleaned = url.replace(/^[\x00-\x20]+/, '').replace(/[\t\n\r]/g, '');
  return /^([a-z][a-z0-9+.-]*):/i.exec(cleaned)?.[1]?.toLowerCase().concat(':');
}

/** A link: http(s) or mailto, or a #fragment of the same page. */
export function isSafeLink(url: string): boolean {
  if (url.startsWith('#')) return true;
  const s = scheme(url);
  return s !== undefined && linkSchemes.includes(s) && !/[\x00-\x1f\x7f]/.test(url);
}

/** An image: http(s), or a path relative to the page (no scheme, not protocol-relative). */
export function isSafeImage(url: string): boolean {
  if (/[\x00-\x1f\x7f]/.test(url)) return false;
  const s = scheme(url);
  if (s === undefined) return !url.startsWith('//') && !url.startsWith('\\');
  return s === 'http:' || s === 'https:';
}

/** Link and image addresses in Markdown or HTML text: `](url`, `href=url`, `src=url` and `[label]: url` lines. */
const destinations = /\]\(\s*<?([^)\s>]*)|\b(?:href|src)\s*=\s*["']?([^"'\s>]*)|^ {0,3}\[[^\]\n]{1,200}\]:[ \t]*<?(\S*)/gim;

/**
 * Whether every address in a piece of Markdown has no scheme (a relative path) or a safe one. For
 * text that is not parsed before it reaches a page, such as briefcast.yml's standard paragraphs.
 */
export function markdownUrlsSafe(text: string): boolean {
  for (const m of text.matchAll(destinations)) {
    const url = m[1] ?? m[2] ?? m[3] ?? '';
    if (scheme(url) !== undefined && !isSafeLink(url)) return false;
  }
  return true;
}

export const safeLinkMessage = 'must be an http://, https:// or mailto: address';
export const safeImageMessage = 'must be an http:// or https:// address, or a path relative to the page';
