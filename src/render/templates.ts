import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';

export type Fill = (context: object) => string;

export interface Templates {
  email: Fill;
  emailText: Fill;
  web: Fill;
  archive: Fill;
  feed: Fill;
  /** How many times MJML compiled a layout in this renderer's life: once per template. */
  mjmlCompiles: number;
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
export async function compileTemplates(dir: string, board: Readonly<Record<string, string>> = {}): Promise<Templates> {
  const hbs = Handlebars.create();
  const partials = join(dir, 'partials');
  for (const name of readdirSync(partials)) {
    hbs.registerPartial(basename(name).replace(/\.(hbs|css)$/, ''), readFileSync(join(partials, name), 'utf8'));
  }
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
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
  // MJML validates attribute values such as colours, so board-wide values go in before it compiles.
  const emailSource = read('email.mjml.hbs').replace(/\{\{(\w+)\}\}/g, (all, name: string) => board[name] ?? all);
  let emailHtml: string;
  try {
    mjmlCompiles++;
    const result = await mjml2html(emailSource, { validationLevel: 'strict', keepComments: false });
    emailHtml = result.html;
  } catch (error) {
    const details = (error as { errors?: { line: number; message: string }[] }).errors?.[0];
    throw new TemplateError(join(dir, 'email.mjml.hbs'), `MJML: ${details?.message ?? (error as Error).message}`, details?.line);
  }

  return {
    email: compile(emailHtml, 'email.mjml.hbs'),
    emailText: compile(read('email.text.hbs'), 'email.text.hbs'),
    web: compile(read('web.html.hbs'), 'web.html.hbs'),
    archive: compile(read('archive.html.hbs'), 'archive.html.hbs'),
    feed: compile(read('feed.xml.hbs'), 'feed.xml.hbs'),
    get mjmlCompiles() {
      return mjmlCompiles;
    },
  };
}
