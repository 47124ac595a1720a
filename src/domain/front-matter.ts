// Markdown files with YAML front matter (canned replies, knowledge-base articles): one reading
// of the `---` block, so both kinds of file accept and refuse the same things.
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';

const FRONT_MATTER = /^---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/;

/**
 * The front matter (a mapping; empty when the file has none) and the text below it, trimmed.
 * `where` names the file in messages; `example` shows what the mapping holds ("title: …").
 */
export function splitFrontMatter(text: string, where: string, example: string): { meta: Record<string, unknown>; body: string } {
  const source = text.replace(/^\uFEFF/, '');
  const match = FRONT_MATTER.exec(source);
  let meta: Record<string, unknown> = {};
  if (match) {
    let parsed: unknown;
    try {
      parsed = parseYaml(match[1] ?? '');
    } catch (err) {
      throw new UsageError(`${where}: the front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    if (parsed != null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new UsageError(`${where}: the front matter must be a mapping (${example})`);
    }
    meta = (parsed ?? {}) as Record<string, unknown>;
  }
  const body = (match ? source.slice(match[0].length) : source).replace(/^\s*\n/, '').trimEnd();
  return { meta, body };
}
