// The library of canned replies, made from the text of their files: the project's own starter
// set first, then the team's, whose replies win on a name clash. Reading the directories is the
// edge's job (commands/canned/dirs.ts); this module gets what was read and decides.
import { basename, extname } from 'node:path';
import { NotFoundError } from '../../errors.js';
import { parseCannedReply, type CannedReply } from './parse.js';

export type CannedOrigin = 'project' | 'custom';

export interface CannedEntry extends CannedReply {
  /** The file it was read from. */
  file: string;
  origin: CannedOrigin;
  /** The templates directory it belongs to: its attachments must be files inside it. */
  root: string;
}

export interface CannedSource {
  dir: string;
  origin: CannedOrigin;
  /** The templates directory holding `dir` (attachments are confined to it). */
  root: string;
}

export interface CannedLibrary {
  /** Sorted by name; a custom reply replaces a project reply of the same name. */
  replies: CannedEntry[];
  /** Files that could not be read, so `list` can warn instead of failing as a whole. */
  problems: Array<{ file: string; message: string }>;
}

/** One `.md` file of a source directory, as read: its text, or why it could not be read. */
export type CannedFile = { file: string; text: string } | { file: string; error: string };

/** A source directory and its `.md` files, in name order (none when the directory is missing). */
export interface ReadSource {
  source: CannedSource;
  files: CannedFile[];
}

function entriesOf({ source, files }: ReadSource, problems: CannedLibrary['problems']): CannedEntry[] {
  const entries: CannedEntry[] = [];
  for (const f of files) {
    if ('error' in f) {
      problems.push({ file: f.file, message: f.error });
      continue;
    }
    try {
      const reply = parseCannedReply(f.text, basename(f.file, extname(f.file)), f.file);
      entries.push({ ...reply, file: f.file, origin: source.origin, root: source.root });
    } catch (err) {
      problems.push({ file: f.file, message: (err as Error).message });
    }
  }
  return entries;
}

/** The library of the sources as read, in order: a later source's reply replaces an earlier one of the same name. */
export function cannedLibrary(sources: readonly ReadSource[]): CannedLibrary {
  const problems: CannedLibrary['problems'] = [];
  const byName = new Map<string, CannedEntry>();
  for (const read of sources) {
    const { source } = read;
    const seenHere = new Set<string>();
    for (const entry of entriesOf(read, problems)) {
      if (seenHere.has(entry.name)) {
        problems.push({ file: entry.file, message: `a second canned reply named '${entry.name}' in ${source.dir}; ignored` });
        continue;
      }
      seenHere.add(entry.name);
      byName.set(entry.name, entry); // later sources (the team's) win
    }
  }
  const replies = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { replies, problems };
}

export function findCanned(library: CannedLibrary, name: string): CannedEntry {
  const entry = library.replies.find((r) => r.name === name);
  if (entry) return entry;
  const broken = library.problems.find((p) => basename(p.file, extname(p.file)) === name);
  if (broken) throw new NotFoundError(`canned reply '${name}' cannot be read: ${broken.message}`);
  throw new NotFoundError(`no canned reply named '${name}'`, 'see `desk canned list`');
}

export function filterByTag(replies: readonly CannedEntry[], tag: string | undefined): CannedEntry[] {
  if (!tag) return [...replies];
  const t = tag.toLowerCase();
  return replies.filter((r) => r.tags.some((x) => x.toLowerCase() === t));
}
