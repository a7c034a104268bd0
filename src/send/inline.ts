import type { CampaignContent } from '../store/index.js';
import { fill, slot, toSlotted } from '../slots.js';

/**
 * The email's own styles written into each element's style attribute, as many clients drop a
 * <style> block: MJML does this for its own attributes, but the briefing's body is filled in
 * after MJML compiled the layout. Once per stored content when a campaign is planned, never
 * per reader; the <style> block stays for clients that keep it (dark mode, small screens).
 */
export async function inlineStyles(contents: readonly CampaignContent[]): Promise<CampaignContent[]> {
  const { default: juice } = await import('juice');
  return contents.map((c) => {
    const marked = fill(c.html, Object.fromEntries(c.html.names.map((name) => [name, slot(name)])));
    const inlined = juice(marked, { preserveMediaQueries: true, preserveImportant: true, removeStyleTags: false, applyWidthAttributes: false, applyHeightAttributes: false });
    return { ...c, html: toSlotted(inlined) };
  });
}
