import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Problem } from './problem.js';
import type { Rendered } from './render/index.js';

/** Debian's Chromium; CHROMIUM_PATH points elsewhere, and the build never downloads a browser. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH || '/usr/bin/chromium';
}

export interface PdfSettings {
  chromium: string;
  /** The board's banner label: a "5 min briefing" should fit on two sides of A4. */
  label: string;
}

/** Whether PDFs can be made; if not, the one warning the build gives. */
export function pdfAvailable(settings: PdfSettings): Problem | undefined {
  if (existsSync(settings.chromium)) return undefined;
  return { code: 'WNOCHROMIUM', severity: 'warning', message: `no Chromium at ${settings.chromium}: the build made no PDFs (install the chromium package, or set CHROMIUM_PATH)` };
}

/** A page object in the PDF's own dictionary form: Chromium writes one per sheet side. */
function countPages(pdf: Buffer): number {
  return pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g)?.length ?? 0;
}

/**
 * Prints each built web page (dist/web/<slug>/index.html) to dist/web/<slug>/briefing.pdf with
 * the page's print stylesheet: A4, tagged, links kept. One browser for the whole build.
 * Returns warnings: a short briefing that runs over two sides, or a browser that would not start.
 */
export async function writePdfs(webDir: string, rendered: readonly Rendered[], settings: PdfSettings): Promise<Problem[]> {
  if (rendered.length === 0) return [];
  const { chromium } = await import('playwright-core');
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: settings.chromium,
      // The build machine may have no network and no display: Chromium must not try either.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  } catch (error) {
    return [{ code: 'WNOCHROMIUM', severity: 'warning', message: `Chromium at ${settings.chromium} did not start, so the build made no PDFs: ${(error as Error).message.split('\n')[0]}` }];
  }
  const problems: Problem[] = [];
  try {
    const page = await browser.newPage();
    // Only the built site is read; a remote image must not hold the build up.
    await page.route(/^(?!file:)/, (route) => route.abort());
    for (const r of rendered) {
      const folder = join(webDir, r.briefing.slug);
      let pdf: Buffer;
      try {
        await page.goto(pathToFileURL(join(folder, 'index.html')).href, { waitUntil: 'load' });
        pdf = await page.pdf({ path: join(folder, 'briefing.pdf'), format: 'A4', printBackground: true, preferCSSPageSize: true, tagged: true, outline: true });
      } catch (error) {
        // One briefing that will not print does not stop the board's site from building.
        problems.push({ code: 'WPDF', severity: 'warning', file: r.briefing.file, line: 1, column: 1, message: `briefing.pdf was not made: ${(error as Error).message.split('\n')[0]}` });
        continue;
      }
      const pages = countPages(pdf);
      const label = r.briefing.format ?? settings.label;
      const minutes = Number(/(\d+)\s*min/i.exec(label)?.[1] ?? NaN);
      if (minutes <= 5 && pages > 2) {
        problems.push({ code: 'WPDFPAGES', severity: 'warning', file: r.briefing.file, line: 1, column: 1, message: `briefing.pdf runs to ${pages} pages: a "${label}" should fit on two sides of A4 (shorten the story or the lessons)` });
      }
    }
  } finally {
    await browser.close();
  }
  return problems;
}
