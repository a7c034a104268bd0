import { phrase, type Config, type Messages } from '../config/index.js';
import { escapeHtml as e } from '../render/index.js';

/** The small pages a reader meets at /a and /u: plain, accessible, no request to another host. */
export function page(config: Config, title: string, body: string): string {
  return `<!doctype html>
<html lang="${e(config.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${e(title)} – ${e(config.board.name)}</title>
<style>
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; line-height: 1.6; color: #1a1a1a; background: #f4f2f5; }
header { background: ${config.board.colour}; color: #fff; padding: .75rem 1rem; font-weight: bold; font-size: 1.2rem; }
main { max-width: 38rem; margin: 0 auto; padding: 1.5rem 1rem; background: #fff; }
label { display: block; font-weight: bold; margin: 1rem 0 .25rem; }
input, textarea { font: inherit; padding: .4rem; border: 2px solid #1a1a1a; border-radius: .2rem; width: 100%; box-sizing: border-box; }
input[type=number] { max-width: 8rem; }
button { font: inherit; font-weight: bold; margin-top: 1.25rem; padding: .7rem 1.2rem; border: 0; border-radius: .25rem; background: ${config.board.colour}; color: #fff; cursor: pointer; }
.hint { color: #4d4d4d; font-size: .95rem; margin: 0; }
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
</style>
</head>
<body>
<header>${e(config.board.short_name)} ${e(config.banner_label)}</header>
<main id="main">
${body}
</main>
</body>
</html>
`;
}

/** More people than one manager passes a briefing to: a typo, not a team. */
export const MAX_SHARED = 10_000;

export function ackForm(config: Config, t: Messages, title: string, action: string, previous?: { shared?: number | null; comment?: string | null }): string {
  return page(
    config,
    t.ack_title,
    `<h1>${e(t.ack_title)}</h1>
<p>“${e(title)}”</p>
<form method="post" action="${e(action)}">
<label for="shared">${e(t.ack_shared)} <span class="hint">${e(t.optional)}</span></label>
<input id="shared" name="shared" type="number" min="0" max="${MAX_SHARED}" step="1" inputmode="numeric" value="${previous?.shared ?? ''}">
<label for="comment">${e(t.ack_comment)} <span class="hint">${e(t.ack_comment_hint)}</span></label>
<textarea id="comment" name="comment" rows="4" maxlength="2000">${e(previous?.comment ?? '')}</textarea>
<button type="submit">${e(t.acknowledge)}</button>
</form>`,
  );
}

export function ackThanks(config: Config, t: Messages, title: string, webUrl: string): string {
  return page(
    config,
    t.thanks_title,
    `<h1>${e(t.thanks_title)}</h1>
<p>${e(phrase(t.ack_recorded, { title, board: config.board.name }))}</p>
<p><a href="${e(webUrl)}">${e(t.read_again)}</a></p>`,
  );
}

export function unsubscribeForm(config: Config, t: Messages, action: string, email: string): string {
  return page(
    config,
    t.unsubscribe,
    `<h1>${e(t.unsubscribe_title)}</h1>
<p>${e(phrase(t.unsubscribe_explain, { email, short_name: config.board.short_name }))}</p>
<form method="post" action="${e(action)}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">${e(t.unsubscribe)}</button>
</form>`,
  );
}

export function unsubscribed(config: Config, t: Messages): string {
  return page(
    config,
    t.unsubscribed_title,
    `<h1>${e(t.unsubscribed_title)}</h1>
<p>${phrase(e(t.unsubscribed_explain), { email: `<a href="mailto:${e(config.board.email)}">${e(config.board.email)}</a>` })}</p>`,
  );
}
