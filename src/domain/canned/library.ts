// Where canned replies live and how they are found: the project's own starter set under
// templates/replies/ (found from the package root, so it works from a global install),
// then the directory the config's `templates` names, whose replies win on a name clash.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { NotFoundError } from '../../errors.js';
import { packageRoot } from '../../paths.js';
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

/** The starter set shipped with desk: <package root>/templates/replies. */
export function projectRepliesDir(): string {
  return join(packageRoot(), 'templates', 'replies');
}

/**
 * The directory for the team's own replies: `<templates>/replies` when that exists (the same
 * layout as the project's templates/), else `<templates>` itself.
 */
export function customRepliesDir(templatesDir: string): string {
  const nested = join(templatesDir, 'replies');
  return existsSync(nested) && statSync(nested).isDirectory() ? nested : templatesDir;
}

export function cannedSources(templatesDir: string | undefined): CannedSource[] {
  const project = projectRepliesDir();
  const sources: CannedSource[] = [{ dir: project, origin: 'project', root: dirname(project) }];
  if (templatesDir) {
    const custom = customRepliesDir(templatesDir);
    if (resolve(custom) !== resolve(project)) sources.push({ dir: custom, origin: 'custom', root: resolve(templatesDir) });
  }
  return sources;
}

function readDir(source: CannedSource, problems: CannedLibrary['problems']): CannedEntry[] {
  if (!existsSync(source.dir)) return [];
  const entries: CannedEntry[] = [];
  const files = readdirSync(source.dir).filter((f) => extname(f).toLowerCase() === '.md').sort();
  for (const f of files) {
    const file = join(source.dir, f);
    try {
      const reply = parseCannedReply(readFileSync(file, 'utf8'), basename(f, extname(f)), file);
      entries.push({ ...reply, file, origin: source.origin, root: source.root });
    } catch (err) {
      problems.push({ file, message: (err as Error).message });
    }
  }
  return entries;
}

export function loadCannedLibrary(sources: readonly CannedSource[]): CannedLibrary {
  const problems: CannedLibrary['problems'] = [];
  const byName = new Map<string, CannedEntry>();
  for (const source of sources) {
    const seenHere = new Set<string>();
    for (const entry of readDir(source, problems)) {
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
