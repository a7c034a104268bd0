import { parentPort } from 'node:worker_threads';
import type { Briefing } from './briefing/index.js';
import type { Config, Messages } from './config/index.js';
import { compileTemplates, createRenderContext, renderTaken, type CompiledMjml, type Page } from './render/index.js';

/** What `build` hands a render thread: plain data only, and MJML already compiled (once per build). */
export interface RenderJob {
  /** Which build asked: a kept thread may be given a second build's job before it answers the first. */
  id: number;
  templatesDir: string;
  config: Config;
  agencyNames: [string, string][];
  messages: Messages;
  mjml: CompiledMjml;
  /** The pages link to their briefing.pdf. */
  pdf: boolean;
  /** Every briefing of the build; a thread renders those whose index it takes from `next`. */
  briefings: Briefing[];
  /** The index of the next briefing to render, shared by every render thread. */
  next: Int32Array;
}

/** The pages a render thread made, each with its briefing's index, or why it could not. */
export type RenderReply = { id: number } & ({ pages: [number, Page][] } | { error: string });

async function render(job: RenderJob): Promise<RenderReply> {
  // Each job's own layouts: between two builds of a preview, the templates may have been edited.
  const templates = await compileTemplates(job.templatesDir, { colour: job.config.board.colour }, job.mjml);
  const ctx = { ...createRenderContext(job.config, templates, new Map(job.agencyNames), job.messages), pdf: job.pdf };
  return { id: job.id, pages: renderTaken(job.briefings, job.next, ctx) };
}

// Only ever started by renderPages in build.ts, as a worker thread that takes one job at a time.
parentPort?.on('message', (job: RenderJob) => {
  render(job).then(
    (reply) => parentPort!.postMessage(reply),
    (error: unknown) => parentPort!.postMessage({ id: job.id, error: (error as Error).message } satisfies RenderReply),
  );
});
