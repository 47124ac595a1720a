// A canned reply is a Markdown file: YAML front matter between `---` lines (name, title, tags,
// optional status_after and attachments), then the body, which is the reply itself (a Liquid
// template, see render.ts). Parsing is pure: commands/canned/dirs.ts does the reading.
import { stringify as stringifyYaml } from 'yaml';
import { UsageError } from '../../errors.js';
import { splitFrontMatter } from '../front-matter.js';
import { STATUSES, type Status } from '../types.js';

export interface CannedReply {
  name: string;
  title: string;
  tags: string[];
  /** The status a ticket takes when this reply is sent (e.g. pending), unless the agent says otherwise. */
  statusAfter: Status | null;
  /** Files to attach, as written in the front matter (relative to the reply's own file). */
  attachments: string[];
  body: string;
}

/** Names double as file names, so they stay plain: letters, digits, dot, dash, underscore. */
const NAME = /^[a-z0-9][a-z0-9._-]{0,79}$/i;

export function isValidCannedName(name: string): boolean {
  return NAME.test(name) && !name.includes('..');
}

export function checkCannedName(name: string): string {
  if (!isValidCannedName(name)) {
    throw new UsageError(
      `invalid canned reply name '${name}'`,
      'use letters, digits, dots, dashes and underscores (e.g. password-reset)',
    );
  }
  return name;
}

// `new` status makes no sense after a reply: the ticket has been answered.
const STATUS_AFTER = STATUSES.filter((s) => s !== 'new');


function stringList(value: unknown, field: string, where: string): string[] {
  if (value == null) return [];
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return value.map((v) => String(v).trim()).filter(Boolean);
  }
  throw new UsageError(`${where}: '${field}' must be a list of text`);
}

/**
 * Parses one canned reply file. `fallbackName` (the file name without .md) is used when the front
 * matter names none; `where` names the file in error messages.
 */
export function parseCannedReply(text: string, fallbackName: string, where: string): CannedReply {
  const { meta, body } = splitFrontMatter(text, where, 'name: …, title: …');

  const name = meta.name == null ? fallbackName : String(meta.name);
  if (!isValidCannedName(name)) throw new UsageError(`${where}: invalid name '${name}' (letters, digits, . _ - only)`);

  let statusAfter: Status | null = null;
  if (meta.status_after != null && meta.status_after !== '') {
    const s = String(meta.status_after);
    if (!(STATUS_AFTER as readonly string[]).includes(s)) {
      throw new UsageError(`${where}: status_after '${s}' is not one of ${STATUS_AFTER.join(', ')}`);
    }
    statusAfter = s as Status;
  }

  return {
    name,
    title: meta.title == null ? name : String(meta.title),
    tags: stringList(meta.tags, 'tags', where),
    statusAfter,
    attachments: stringList(meta.attachments, 'attachments', where),
    body: body ? body + '\n' : '',
  };
}

/** The file text of a canned reply (front matter + body), as `desk canned new` writes it. */
export function formatCannedReply(reply: CannedReply): string {
  const meta: Record<string, unknown> = { name: reply.name, title: reply.title, tags: reply.tags };
  if (reply.statusAfter) meta.status_after = reply.statusAfter;
  if (reply.attachments.length) meta.attachments = reply.attachments;
  return `---\n${stringifyYaml(meta, { flowCollectionPadding: false }).trimEnd()}\n---\n${reply.body}`;
}
