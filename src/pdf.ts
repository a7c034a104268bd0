import { existsSync, readFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Problem } from './problem.js';
import { escapeHtml } from './slots.js';
import type { Page } from './render/index.js';

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

/** The previous build's PDF of this page, when the page has not changed since: printing it again would give the same. */
function unchanged(previousWebDir: string | undefined, page: Page): string | undefined {
  if (!previousWebDir) return undefined;
  const folder = join(previousWebDir, page.briefing.slug);
  try {
    return existsSync(join(folder, 'briefing.pdf')) && readFileSync(join(folder, 'index.html'), 'utf8') === page.web ? join(folder, 'briefing.pdf') : undefined;
  } catch {
    return undefined;
  }
}

/** Chromium, loaded only when something is printed. */
async function launch(executablePath: string) {
  const { chromium } = await import('playwright-core');
  // The machine may have no network and no display: Chromium must not try either.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
}

/**
 * Prints each built web page (dist/web/<slug>/index.html) to dist/web/<slug>/briefing.pdf with
 * the page's print stylesheet: A4, tagged, links kept. One browser for the whole build, started
 * only if a page changed since `previousWebDir` was built: an unchanged page keeps its PDF.
 * Returns warnings: a short briefing that runs over two sides, or a browser that would not start.
 */
export async function writePdfs(webDir: string, rendered: readonly Page[], settings: PdfSettings, previousWebDir?: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  const check = (r: Page, pdf: Buffer) => {
    const pages = countPages(pdf);
    const label = r.briefing.format ?? settings.label;
    const minutes = Number(/(\d+)\s*min/i.exec(label)?.[1] ?? NaN);
    if (minutes <= 5 && pages > 2) {
      problems.push({ code: 'WPDFPAGES', severity: 'warning', file: r.briefing.file, line: 1, column: 1, message: `briefing.pdf runs to ${pages} pages: a "${label}" should fit on two sides of A4 (shorten the story or the lessons)` });
    }
  };
  const toPrint: Page[] = [];
  for (const r of rendered) {
    const kept = unchanged(previousWebDir, r);
    if (!kept) {
      toPrint.push(r);
      continue;
    }
    const target = join(webDir, r.briefing.slug, 'briefing.pdf');
    await copyFile(kept, target);
    check(r, readFileSync(target));
  }
  if (toPrint.length === 0) return problems;
  let browser;
  try {
    browser = await launch(settings.chromium);
  } catch (error) {
    return [...problems, { code: 'WNOCHROMIUM', severity: 'warning', message: `Chromium at ${settings.chromium} did not start, so the build made no PDFs: ${(error as Error).message.split('\n')[0]}` }];
  }
  try {
    const page = await browser.newPage();
    // Only the built site is read; a remote image must not hold the build up.
    await page.route(/^(?!file:)/, (route) => route.abort());
    for (const r of toPrint) {
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
      check(r, pdf);
    }
  } finally {
    await browser.close();
  }
  return problems;
}

/** Why a board paper cannot be printed here, in one line that says how to put it right. */
export function noChromium(chromium: string, why?: string): string {
  return `no Chromium ${why ? `would start at ${chromium} (${why})` : `at ${chromium}`}: install it (apt-get install chromium) or set CHROMIUM_PATH to one`;
}

export interface PaperSettings {
  chromium: string;
  /** Left in the footer of every page, beside "page N of M": the board and the paper's title. */
  footer: string;
}

/**
 * Prints a page of HTML (the dashboard's printable view) as an A4 board paper: its print
 * stylesheet, a footer with page numbers, nothing fetched from anywhere. Returns the PDF and its
 * page count; throws an Error whose message is one line when Chromium is missing or will not start.
 */
export async function printPaper(html: string, settings: PaperSettings): Promise<{ pdf: Buffer; pages: number }> {
  if (!existsSync(settings.chromium)) throw new Error(noChromium(settings.chromium));
  let browser;
  try {
    browser = await launch(settings.chromium);
  } catch (error) {
    throw new Error(noChromium(settings.chromium, (error as Error).message.split('\n')[0]));
  }
  try {
    const page = await browser.newPage();
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    const footer = `<div style="font: 8pt Arial, sans-serif; color: #444; width: 100%; margin: 0 14mm; display: flex; justify-content: space-between;"><span>${escapeHtml(settings.footer)}</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;
    const pdf = await page.pdf({
      format: 'A4',
      printBackground: true,
      tagged: true,
      outline: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate: footer,
      margin: { top: '14mm', bottom: '18mm', left: '14mm', right: '14mm' },
    });
    return { pdf, pages: countPages(pdf) };
  } finally {
    await browser.close();
  }
}
