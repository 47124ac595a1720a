// HTML mail → text an agent can read in a terminal. html-to-text does the layout; the options
// below remove what is not meant to be read: scripts, styles, hidden preheaders and images
// (tracking pixels above all — an image carries no words, its alt text is kept when it has one).
import { compile } from 'html-to-text';
import { replaceSpans, trimEndWhere } from '../domain/linear-text.js';

// Hidden elements: mail preheaders and tracking blocks hide themselves with inline styles.
const HIDDEN_STYLES = ['display:none', 'display: none', 'visibility:hidden', 'visibility: hidden'];

const convert = compile({
  wordwrap: false,
  formatters: {
    // Alt text only, never the image URL: remote image URLs are trackers or noise in a terminal.
    imageAltText(elem, _walk, builder) {
      const attribs = (elem as { attribs?: Record<string, string> }).attribs ?? {};
      if (isTrackingPixel(attribs)) return;
      const alt = (attribs.alt ?? '').trim();
      if (alt) builder.addInline(`[${alt}]`);
    },
  },
  selectors: [
    { selector: 'head', format: 'skip' },
    { selector: 'title', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'noscript', format: 'skip' },
    { selector: 'template', format: 'skip' },
    { selector: 'svg', format: 'skip' },
    { selector: 'img', format: 'imageAltText' },
    { selector: '[hidden]', format: 'skip' },
    ...HIDDEN_STYLES.map((style) => ({ selector: `[style*="${style}" i]`, format: 'skip' })),
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    // Layout tables are the norm in HTML mail: one line per row, cells separated by a space.
    { selector: 'table', format: 'block' },
    { selector: 'tr', format: 'block', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
    { selector: 'td', format: 'inlineSurround', options: { prefix: '', suffix: ' ' } },
    { selector: 'th', format: 'inlineSurround', options: { prefix: '', suffix: ' ' } },
  ],
});

function isTrackingPixel(attribs: Record<string, string>): boolean {
  const tiny = (v: string | undefined) => v !== undefined && /^\s*[01](px)?\s*$/i.test(v);
  if (tiny(attribs.width) || tiny(attribs.height)) return true;
  const style = (attribs.style ?? '').toLowerCase().replace(/\s+/g, '');
  return /(^|;)(width|height):[01](px)?(;|$)/.test(style) || style.includes('display:none');
}

/** Readable plain text of an HTML body: no markup, no scripts/styles/hidden parts/images. */
export function htmlToReadableText(html: string): string {
  if (!html.trim()) return '';
  let text: string;
  try {
    text = convert(html);
  } catch {
    // The converter copes with any tag soup; this is only a last line of defence so that one
    // odd body can never make a message unreadable: drop the tags crudely.
    text = replaceSpans(dropScripts(html), '<', '>', ' ');
  }
  // no-break spaces are layout glue in HTML; in text they only defeat search
  return tidyText(text.replace(/\u00A0/g, ' '));
}

/**
 * `html.replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')`, reading the text once: that
 * expression searches to the end for a closing tag from every unclosed `<script`.
 */
function dropScripts(html: string): string {
  const opening = /<(script|style)\b/gi;
  const closing: Record<string, RegExp> = { script: /<\/script\s*>/gi, style: /<\/style\s*>/gi };
  /** a name whose closing tag was not found after some point: never found after any later one */
  const unclosed = new Set<string>();
  let out = '';
  let at = 0;
  for (let m = opening.exec(html); m; m = opening.exec(html)) {
    const name = m[1]!.toLowerCase();
    if (unclosed.has(name)) continue;
    const close = closing[name]!;
    close.lastIndex = opening.lastIndex;
    if (!close.exec(html)) {
      unclosed.add(name);
      continue;
    }
    out += html.slice(at, m.index) + ' ';
    at = opening.lastIndex = close.lastIndex;
  }
  return out + html.slice(at);
}

const isLineSpace = (c: string) => c === ' ' || c === '\t' || c === '\u00A0';

/** Trailing spaces off each line, at most one empty line in a row, no blank start or end. */
export function tidyText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[^\n\u2028\u2029]+/g, (line) => trimEndWhere(line, isLineSpace))
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+/, '')
    .trimEnd();
}
