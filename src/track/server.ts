import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolveStatic, sendStatic } from './static.js';

export interface ServerOptions {
  /** The built site, dist/web. */
  webRoot: string;
}

function notFound(res: ServerResponse) {
  res.statusCode = 404;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('Not found\n');
}

export function handleStatic(req: IncomingMessage, res: ServerResponse, webRoot: string, pathname: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.statusCode = 405;
    res.setHeader('Allow', 'GET, HEAD');
    res.end();
    return;
  }
  const file = resolveStatic(webRoot, pathname);
  if (!file) return notFound(res);
  // "/children-p" and "/children-p/" both work, but relative links need the slash.
  if (!pathname.endsWith('/') && file.endsWith('index.html') && !pathname.endsWith('.html')) {
    res.statusCode = 301;
    res.setHeader('Location', `${pathname}/`);
    res.end();
    return;
  }
  sendStatic(req, res, file);
}

export function createSiteServer(options: ServerOptions): Server {
  return createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      res.statusCode = 400;
      res.end();
      return;
    }
    handleStatic(req, res, options.webRoot, url.pathname);
  });
}
