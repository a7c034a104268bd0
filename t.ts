import { build } from './src/build.js';
import { formatProblem } from './src/problem.js';
const r = await build({});
console.log(r.ok, r.problems.map(formatProblem), r.ms.toFixed(0), r.rendered.map(x => [x.briefing.slug, x.words, x.links.length]));
