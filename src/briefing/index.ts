export { audiences, frontmatterSchema, lessonSchema, reviewTypes, type Briefing, type Frontmatter, type Lesson } from './schema.js';
export { loadBriefing, loadBriefings, parseBriefing, type LoadOptions } from './load.js';
export { lintBriefing, PLACEHOLDER, type LintSettings } from './lint.js';
export { scaffoldBriefing, slugify, briefingJsonSchema } from './scaffold.js';
