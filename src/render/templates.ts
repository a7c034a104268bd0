import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import Handlebars from 'handlebars';

export type Fill = (context: object) => string;

const builtIn = resolve(import.meta.dirname, '..', '..', 'templates');

export interface Templates {
  email: Fill;
  emailText: Fill;
  reminder: Fill;
  reminderText: Fill;
  web: Fill;
  archive: Fill;
  feed: Fill;
  /** How many times MJML compiled a layout for this build: once per MJML template (email and reminder). */
  mjmlCompiles: number;
  mjml: CompiledMjml;
}

/** MJML's output for the two email layouts: what a worker thread needs to skip compiling them again. */
export interface CompiledMjml {
  email: string;
  reminder: string;
}

export class TemplateError extends Error {
  constructor(
    readonly file: string,
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/**
 * Compiles every layout once: MJML to HTML (the slow step), then Handlebars over the result,
 * so filling in a briefing or a reader is string work only.
 */
export async function compileTemplates(dir: string, board: Readonly<Record<string, string>> = {}, compiled?: CompiledMjml): Promise<Templates> {
  const hbs = Handlebars.create();
  // A project's templates/ overrides briefcast's own, file by file; what it lacks comes from ours.
  const layers = [builtIn, dir];
  for (const layer of layers) {
    const partials = join(layer, 'partials');
    if (!existsSync(partials)) continue;
    for (const name of readdirSync(partials)) {
      hbs.registerPartial(basename(name).replace(/\.(hbs|css)$/, ''), readFileSync(join(partials, name), 'utf8'));
    }
  }
  const read = (name: string) => readFileSync(existsSync(join(dir, name)) ? join(dir, name) : join(builtIn, name), 'utf8');
  const compile = (source: string, file: string): Fill => {
    try {
      const template = hbs.compile(source, { strict: false, preventIndent: true });
      template({});
      return template;
    } catch (error) {
      throw new TemplateError(join(dir, file), `template error: ${(error as Error).message.split('\n')[0]}`);
    }
  };

  let mjmlCompiles = 0;
  const compileMjml = async (file: string): Promise<string> => {
    const { default: mjml2html } = await import('mjml');
    // MJML validates attribute values such as colours, so board-wide values go in before it compiles.
    const values: Record<string, string> = { ...board, ...(board.colour ? { wash: tint(board.colour) } : {}) };
    const source = read(file).replace(/\{\{(\w+)\}\}/g, (all, name: string) => values[name] ?? all);
    try {
      mjmlCompiles++;
      return (await mjml2html(source, { validationLevel: 'strict', keepComments: false })).html;
    } catch (error) {
      const details = (error as { errors?: { line: number; message: string }[] }).errors?.[0];
      throw new TemplateError(join(dir, file), `MJML: ${details?.message ?? (error as Error).message}`, details?.line);
    }
  };
  const [emailHtml, reminderHtml] = compiled ? [compiled.email, compiled.reminder] : await Promise.all([compileMjml('email.mjml.hbs'), compileMjml('reminder.mjml.hbs')]);

  return {
    email: compile(emailHtml, 'email.mjml.hbs'),
    emailText: compile(read('email.text.hbs'), 'email.text.hbs'),
    reminder: compile(reminderHtml, 'reminder.mjml.hbs'),
    reminderText: compile(read('reminder.text.hbs'), 'reminder.text.hbs'),
    web: compile(read('web.html.hbs'), 'web.html.hbs'),
    archive: compile(read('archive.html.hbs'), 'archive.html.hbs'),
    feed: compile(read('feed.xml.hbs'), 'feed.xml.hbs'),
    mjml: { email: emailHtml, reminder: reminderHtml },
    get mjmlCompiles() {
      return mjmlCompiles;
    },
  };
}

/** The board's colour at 7% on white: a background that carries the brand and keeps text legible. */
function tint(hex: string): string {
  const mix = (i: number) => Math.round(255 - (255 - parseInt(hex.slice(i, i + 2), 16)) * 0.07).toString(16).padStart(2, '0');
  return `#${mix(1)}${mix(3)}${mix(5)}`;
}
