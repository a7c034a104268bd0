import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { relative } from 'node:path';
import { formatProblem } from '../problem.js';
import { escapeHtml as e, type Rendered } from '../render/index.js';
import { HttpError, readForm } from '../track/index.js';
import type { Change, Entry, LiveSite } from '../watch.js';

/** Sends one proof copy; supplied by the command line once sending is wired in. */
export type ProofSender = (rendered: Rendered, address: string) => Promise<string>;

export interface PreviewOptions {
  site: LiveSite;
  sendProof?: ProofSender;
  /**
   * Host names the preview answers to, besides localhost, 127.0.0.1 and [::1]. Drafts hold
   * confidential case details: answering any Host would let a page on another site read them
   * through DNS rebinding.
   */
  hosts?: string[];
}

/** A proof form is an address and a token: anything bigger is not ours. */
const proofLimits = { body: 4096, fields: 4, value: 320 };

export interface PreviewServer {
  server: Server;
  /** Tells every open page what changed. */
  notify(change: Change): void;
}

const style = `
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #1a1a1a; background: #eceaf0; }
header { background: #2b2b2b; color: #fff; padding: .5rem 1rem; display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
header a { color: #fff; }
main { padding: 1rem; }
.panes { display: flex; gap: 1rem; align-items: flex-start; overflow-x: auto; }
figure { margin: 0; background: #fff; padding: .5rem; box-shadow: 0 1px 3px #0003; }
figcaption { font-weight: bold; margin-bottom: .4rem; }
iframe { border: 1px solid #ccc; background: #fff; height: 80vh; display: block; }
pre { white-space: pre-wrap; width: 40ch; height: 80vh; overflow: auto; margin: 0; font-size: 13px; }
.problems { list-style: none; padding: 0; font-family: ui-monospace, monospace; }
.problems li { padding: .3rem .5rem; margin: .2rem 0; background: #fff; border-left: 4px solid #b00020; }
.problems li.warning { border-color: #b26a00; }
table { border-collapse: collapse; background: #fff; }
td, th { padding: .4rem .8rem; border: 1px solid #ccc; text-align: left; }
.ok { color: #1d6b2a; } .warnings { color: #8a5200; } .errors { color: #b00020; }
form { display: inline-flex; gap: .4rem; align-items: center; }
`;

const reload = (slug: string) => `<script>
(() => {
  const events = new EventSource('/events');
  events.addEventListener('change', (m) => {
    const change = JSON.parse(m.data);
    if (change.slugs.includes('*') || change.slugs.includes(${JSON.stringify(slug)})) location.reload();
  });
})();
</script>`;

function page(title: string, body: string, slug: string): string {
  return `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(title)} – briefcast preview</title><style>${style}</style></head><body>${body}${reload(slug)}</body></html>`;
}

function status(entry: Entry): 'errors' | 'warnings' | 'ok' {
  if (entry.problems.some((p) => p.severity === 'error')) return 'errors';
  return entry.problems.length ? 'warnings' : 'ok';
}

function problemList(site: LiveSite, entry: Entry): string {
  if (!entry.problems.length) return '';
  return `<ul class="problems" aria-label="Problems">${entry.problems
    .map((p) => `<li class="${p.severity}">${e(formatProblem({ ...p, file: p.file ? relative(site.root, p.file) || p.file : p.file }))}</li>`)
    .join('')}</ul>`;
}

export function createPreviewServer(options: PreviewOptions): PreviewServer {
  const { site } = options;
  const listeners = new Set<ServerResponse>();
  const hosts = new Set(['localhost', '127.0.0.1', '[::1]', ...(options.hosts ?? [])].map((h) => h.toLowerCase()));
  // A fresh token each run, in every form: another site's page cannot know it.
  const formToken = randomBytes(24).toString('base64url');

  /** Host without its port, as the browser sent it. */
  const hostOf = (req: IncomingMessage) => String(req.headers.host ?? '').toLowerCase().replace(/:\d{1,5}$/, '');

  /** A state-changing request must come from a page of this preview: the browser says so in Origin or Sec-Fetch-Site. */
  const sameOrigin = (req: IncomingMessage) => {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined) return site === 'same-origin';
    const origin = req.headers.origin;
    if (origin === undefined) return false;
    try {
      return new URL(origin).host.toLowerCase() === String(req.headers.host ?? '').toLowerCase();
    } catch {
      return false;
    }
  };

  const index = () => {
    const rows = [...site.entries.values()]
      .sort((a, b) => a.slug.localeCompare(b.slug))
      .map((entry) => {
        const s = status(entry);
        const counts = s === 'ok' ? 'ok' : `${entry.problems.filter((p) => p.severity === 'error').length} error(s), ${entry.problems.filter((p) => p.severity === 'warning').length} warning(s)`;
        return `<tr><td><a href="/${e(entry.slug)}">${e(entry.briefing?.title ?? entry.slug)}</a>${entry.briefing?.draft ? ' (draft)' : ''}</td><td class="${s}">${counts}</td></tr>`;
      });
    const problems = site.problems.length ? `<ul class="problems">${site.problems.map((p) => `<li class="${p.severity}">${e(formatProblem(p))}</li>`).join('')}</ul>` : '';
    return page('Briefings', `<header><strong>briefcast preview</strong></header><main><h1>Briefings</h1>${problems}<table><thead><tr><th>Briefing</th><th>Status</th></tr></thead><tbody>${rows.join('')}</tbody></table></main>`, '*');
  };

  const briefingPage = (entry: Entry, note = '') => {
    const r = entry.rendered;
    const title = entry.briefing?.title ?? entry.slug;
    const proof = options.sendProof
      ? `<form method="post" action="/${e(entry.slug)}/proof"><input type="hidden" name="token" value="${formToken}"><label for="to">Send a proof to</label><input id="to" name="to" type="email" required autocomplete="email"><button>Send proof</button></form>`
      : '<span>Proof copies need sending to be set up.</span>';
    const panes = r
      ? `<div class="panes">
<figure><figcaption>Email, desktop (600 px)</figcaption><iframe title="Email at 600 pixels" src="/${e(entry.slug)}/email.html?v=${entry.version}" width="640"></iframe></figure>
<figure><figcaption>Email, phone (375 px)</figcaption><iframe id="phone" title="Email at 375 pixels" src="/${e(entry.slug)}/email.html?v=${entry.version}" width="375"></iframe></figure>
<figure><figcaption>Plain-text part</figcaption><pre>${e(r.plain.text)}</pre></figure>
<figure><figcaption>Web page</figcaption><iframe title="Web page" src="/${e(entry.slug)}/web.html?v=${entry.version}" width="800"></iframe></figure>
</div>`
      : '<p>The briefing cannot be shown until the errors above are fixed; this page reloads when you save.</p>';
    return page(
      title,
      `<header><a href="/">All briefings</a><strong>${e(title)}</strong><span class="${status(entry)}">${status(entry)}</span>${r ? proof : ''}</header><main>${note}${problemList(site, entry)}${panes}</main>`,
      entry.slug,
    );
  };

  const send = (res: ServerResponse, statusCode: number, type: string, body: string) => {
    res.statusCode = statusCode;
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', "frame-ancestors 'self'");
    res.end(body);
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (!hosts.has(hostOf(req))) return send(res, 421, 'text/plain; charset=utf-8', 'This preview answers only on localhost (briefcast preview --host NAME for another)\n');
    if (req.method !== 'GET' && req.method !== 'HEAD' && !sameOrigin(req)) return send(res, 403, 'text/plain; charset=utf-8', 'Only a page of this preview can send a proof\n');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodeURIComponent(url.pathname);
    if (path === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      listeners.add(res);
      req.on('close', () => listeners.delete(res));
      return;
    }
    if (path === '/') return send(res, 200, 'text/html; charset=utf-8', index());
    const m = /^\/([a-z0-9-]+)(?:\/(email\.html|web\.html|email\.txt|proof))?\/?$/.exec(path);
    const entry = m ? site.bySlug(m[1]!) : undefined;
    if (!m || !entry) return send(res, 404, 'text/plain; charset=utf-8', 'No such briefing\n');
    const r = entry.rendered;
    switch (m[2]) {
      case undefined:
        return send(res, 200, 'text/html; charset=utf-8', briefingPage(entry));
      case 'email.html':
        return r ? send(res, 200, 'text/html; charset=utf-8', r.plain.html) : send(res, 404, 'text/plain', 'not rendered\n');
      case 'email.txt':
        return r ? send(res, 200, 'text/plain; charset=utf-8', r.plain.text) : send(res, 404, 'text/plain', 'not rendered\n');
      case 'web.html':
        // The page's links are relative to /<slug>/ on the real site.
        return r ? send(res, 200, 'text/html; charset=utf-8', r.web.replace('<head>', `<head><base href="/${entry.slug}/">`)) : send(res, 404, 'text/plain', 'not rendered\n');
      case 'proof': {
        if (req.method !== 'POST' || !options.sendProof || !r) return send(res, 405, 'text/plain', 'Method not allowed\n');
        const fields = await readForm(req, proofLimits).catch((error: unknown) => error as HttpError);
        if (fields instanceof HttpError) return send(res, fields.status, 'text/plain; charset=utf-8', `${fields.message}\n`);
        const given = Buffer.from(fields.get('token') ?? '');
        if (given.length !== formToken.length || !timingSafeEqual(given, Buffer.from(formToken))) return send(res, 403, 'text/plain; charset=utf-8', 'This form is from an earlier preview: reload the page\n');
        const to = (fields.get('to') ?? '').trim();
        if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(to)) return send(res, 400, 'text/html; charset=utf-8', briefingPage(entry, `<p class="errors">"${e(to)}" is not an email address.</p>`));
        try {
          const response = await options.sendProof(r, to);
          return send(res, 200, 'text/html; charset=utf-8', briefingPage(entry, `<p class="ok">Proof sent to ${e(to)}: ${e(response)}</p>`));
        } catch (error) {
          return send(res, 502, 'text/html; charset=utf-8', briefingPage(entry, `<p class="errors">The proof was not sent: ${e((error as Error).message)}</p>`));
        }
      }
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 400, 'text/plain; charset=utf-8', `${(error as Error).message}\n`);
      else res.destroy();
    });
  });
  return {
    server,
    notify(change) {
      const data = `event: change\ndata: ${JSON.stringify(change)}\n\n`;
      for (const res of listeners) res.write(data);
    },
  };
}
