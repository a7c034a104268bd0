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
.error { color: #b3261e; font-weight: bold; margin: .25rem 0; }
.invalid input, .invalid textarea { border-color: #b3261e; }
.error-summary { border: 4px solid #b3261e; padding: .25rem 1rem; margin: 1rem 0; }
.error-summary a { color: #b3261e; font-weight: bold; }
fieldset { border: 1px solid #8a8a8a; border-radius: .2rem; margin: 1rem 0; padding: .25rem 1rem 1rem; }
legend { font-weight: bold; padding: 0 .25rem; }
.choice { display: flex; align-items: center; gap: .5rem; margin: .5rem 0; }
.choice input { width: 1.5rem; height: 1.5rem; margin: 0; }
.choice label { display: inline; margin: 0; font-weight: normal; }
.one-click { border-bottom: 1px solid #ccc; padding-bottom: 1.25rem; margin-bottom: 1rem; }
h2 { margin-top: 1.5rem; }
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, .error-summary:focus { outline: 3px solid #ffbf47; outline-offset: 2px; }
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

/** Thanks for a confirmation, a discussion record or a follow-up: `words` says which was recorded. */
export function thanks(config: Config, t: Messages, words: string, title: string, webUrl: string): string {
  return page(
    config,
    t.thanks_title,
    `<h1>${e(t.thanks_title)}</h1>
<p>${e(phrase(words, { title, board: config.board.name }))}</p>
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
