// The one place Markdown becomes HTML (knowledge-base articles on the self-service site). Raw HTML
// in the text is off: `<script>` in an article shows as text, and markdown-it refuses
// javascript:, vbscript:, file: and data: (but images) links, so an article cannot inject markup.
import MarkdownIt from 'markdown-it';

type Renderer = InstanceType<typeof MarkdownIt>;

let md: Renderer | undefined;

export function renderMarkdown(text: string): string {
  md ??= new MarkdownIt({ html: false, linkify: false, typographer: false });
  return md.render(text);
}
