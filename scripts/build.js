// Compiles src/ to lib/ (what bin/briefcast.js runs) and copies the files beside the code that
// it reads at run time (the SQL migrations). Runs at install (`prepare`) and before the tests.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
rmSync(`${root}lib`, { recursive: true, force: true });
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
cpSync(`${root}src`, `${root}lib`, { recursive: true, filter: (path) => !path.endsWith('.ts') });
