import type { Element, Root as Hast } from 'hast';
import { toString } from 'hast-util-to-string';
import type { Root as Mdast, RootContent } from 'mdast';
import rehypeRaw from 'rehype-raw';
import rehypeSanitize, { defaultSchema } from 'rehype-sanitize';
import rehypeSlug from 'rehype-slug';
import rehypeStringify from 'rehype-stringify';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { VFile } from 'vfile';
import { slot } from './slots.js';

/** A link the briefing contains: the only places a tracked click may redirect to. */
export interface Link {
  n: number;
  url: string;
  text: string;
  /** The lesson the link is in, when it is in one. */
  lesson?: number;
}

interface LinkData {
  links: Link[];
  lesson?: number;
}

declare module 'vfile' {
  interface DataMap {
    briefcast: LinkData;
  }
}

/**
 * Collects every link into the file's data and puts a numbered slot in its place, so that
 * each reader's copy can carry its own tracked URL without rendering the Markdown again.
 */
function rehypeCollectLinks() {
  return (tree: Hast, file: VFile) => {
    const data = file.data.briefcast!;
    visit(tree, 'element', (node: Element) => {
      if (node.tagName !== 'a' || typeof node.properties.href !== 'string') return;
      const url = node.properties.href;
      if (url.startsWith('#')) return;
      const n = data.links.length + 1;
      data.links.push({ n, url, text: toString(node).trim(), ...(data.lesson ? { lesson: data.lesson } : {}) });
      node.properties.href = slot(`link-${n}`);
    });
  };
}

/** Parsing raw HTML with parse5 is the slowest step; most briefings have none. */
function rehypeRawWhenNeeded() {
  const raw = rehypeRaw();
  return (tree: Hast, file: VFile) => {
    let found = false;
    visit(tree, 'raw', () => {
      found = true;
      return false;
    });
    return found ? raw(tree, file) : tree;
  };
}

/** GitHub's rules, and a pasted <style> loses its text as well as its tag. */
const sanitizeSchema = { ...defaultSchema, strip: [...(defaultSchema.strip ?? []), 'style'] };

/** The one processor of the build; unified freezes it on first use and it is reused for every briefing. */
const processor = unified()
  .use(remarkParse)
  .use(remarkGfm)
  .use(remarkRehype, { allowDangerousHtml: true })
  .use(rehypeRawWhenNeeded)
  .use(rehypeSanitize, sanitizeSchema)
  .use(rehypeSlug)
  .use(rehypeCollectLinks)
  .use(rehypeStringify);

export function parseMarkdown(markdown: string): Mdast {
  return processor.parse(markdown);
}

/** Renders Markdown (or a part of a parsed tree) to HTML, numbering its links after those in `links`. */
export function toHtml(input: string | RootContent[], links: Link[], lesson?: number): string {
  const tree: Mdast = typeof input === 'string' ? processor.parse(input) : { type: 'root', children: input };
  const file = new VFile();
  file.data.briefcast = { links, lesson };
  const hast = processor.runSync(tree, file);
  return processor.stringify(hast, file).trim();
}

/** A lesson in a list item reads better without the paragraph wrapper. */
export function inlineHtml(markdown: string, links: Link[], lesson?: number): string {
  return toHtml(markdown, links, lesson).replace(/^<p>([\s\S]*)<\/p>$/, (all, inner: string) => (inner.includes('<p>') ? all : inner));
}
