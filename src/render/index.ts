export { compileTemplates, TemplateError, type Templates, type CompiledMjml } from './templates.js';
export { renderBriefing, renderTaken, toPage, createRenderContext, pageUrl, logoSource, dateLabel, type Page, type Rendered, type RenderContext, type EmailVariant } from './render.js';
export { renderArchive, renderFeed, type AgencyRef } from './site.js';
export { fill, escapeHtml, type Slotted } from './slots.js';
export { parseMarkdown, type Link } from './markdown.js';
