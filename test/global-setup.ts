import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The CLI tests run the compiled command line: compile it from the sources under test first. */
export default function setup(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build.js')], { stdio: 'inherit' });
}
