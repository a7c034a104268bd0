import { parentPort, workerData } from 'node:worker_threads';
import type { Briefing } from './briefing/index.js';
import type { Config, Messages } from './config/index.js';
import { compileTemplates, createRenderContext, renderBriefing, toPage, type CompiledMjml } from './render/index.js';

/** What `build` hands a render thread: plain data only, and MJML already compiled (once per build). */
export interface RenderJob {
  templatesDir: string;
  config: Config;
  agencyNames: [string, string][];
  messages: Messages;
  mjml: CompiledMjml;
  /** The pages link to their briefing.pdf. */
  pdf: boolean;
  briefings: Briefing[];
}

// Only ever started by renderPages in build.ts, as a worker thread.
if (parentPort) {
  const job = workerData as RenderJob;
  const templates = await compileTemplates(job.templatesDir, { colour: job.config.board.colour }, job.mjml);
  const ctx = { ...createRenderContext(job.config, templates, new Map(job.agencyNames), job.messages), pdf: job.pdf };
  parentPort.postMessage(job.briefings.map((b) => toPage(renderBriefing(b, ctx))));
}
