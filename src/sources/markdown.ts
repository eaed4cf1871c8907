import MarkdownIt from 'markdown-it';

export interface MarkdownOptions {
  /** Allow raw HTML in Markdown. Off by default: content authors cannot inject script tags. */
  html?: boolean;
  /** Turn bare URLs into links. Default false. */
  linkify?: boolean;
  /** Smart quotes and dashes. Default false. */
  typographer?: boolean;
  /** Change the markdown-it instance (add plugins). */
  configure?: (md: MarkdownIt) => void;
}

export function createMarkdown(options: MarkdownOptions = {}): (src: string) => string {
  const md = new MarkdownIt({ html: options.html ?? false, linkify: options.linkify ?? false, typographer: options.typographer ?? false });
  options.configure?.(md);
  return (src) => md.render(src);
}
