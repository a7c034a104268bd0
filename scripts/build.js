// Compiles src/ to lib/ (what bin/briefcast.js runs), copies the files beside the code that it
// reads at run time (the SQL migrations) and writes the built-in messages as JSON. Runs at install
// (`prepare`) and before the tests.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
rmSync(`${root}lib`, { recursive: true, force: true });
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
cpSync(`${root}src`, `${root}lib`, { recursive: true, filter: (path) => !path.endsWith('.ts') });

// The archive's offline search ships minified: a fifth of the size, minified once here rather than at every build.
const require = createRequire(import.meta.url);
const umd = join(dirname(require.resolve('minisearch')), '..', 'umd', 'index.js');
const minified = require('uglify-js').minify(readFileSync(umd, 'utf8'));
if (minified.error) throw minified.error;
mkdirSync(`${root}lib/assets`, { recursive: true });
writeFileSync(`${root}lib/assets/minisearch.min.js`, minified.code);

// Parsed by the code just compiled, so the JSON holds what reading the YAML would give.
const { parseYaml } = await import(`${root}lib/yaml-source.js`);
mkdirSync(`${root}lib/messages`, { recursive: true });
for (const name of readdirSync(`${root}messages`).filter((n) => n.endsWith('.yml'))) {
  const source = parseYaml(`messages/${name}`, readFileSync(`${root}messages/${name}`, 'utf8'));
  if (source.problems.length) throw new Error(`messages/${name}: ${source.problems[0].line}:${source.problems[0].column} ${source.problems[0].message}`);
  writeFileSync(`${root}lib/messages/${name.replace(/\.yml$/, '.json')}`, JSON.stringify(source.data));
}
