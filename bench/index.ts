import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchBuild } from './build.js';
import { benchCli } from './cli.js';
import { benchPreview } from './preview.js';
import { benchSend } from './send.js';
import { benchTrack } from './track.js';
import { benchScale } from './scale.js';

/** Runs every benchmark (or those named on the command line) and merges figures into bench/results.json. */
const path = join(import.meta.dirname, 'results.json');
const results: Record<string, unknown> = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
const wanted = process.argv.slice(2);
const benches: Record<string, () => Promise<unknown>> = {
  cli: () => benchCli(),
  build: () => benchBuild(),
  preview: () => benchPreview(),
  send: () => benchSend(),
  track: () => benchTrack(),
  scale: () => benchScale(),
};
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length && !wanted.includes(name)) continue;
  results[name] = { ...(await run() as object), measured: new Date().toISOString() };
  writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
}
console.log(`figures written to ${path}`);
