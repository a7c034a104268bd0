export { frontmatterSchema, lessonSchema, reviewTypes, type Briefing, type Frontmatter, type Lesson } from './schema.js';
export { loadBriefing, loadBriefings, parseBriefing, type LoadOptions } from './load.js';
