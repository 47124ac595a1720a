// Which directories hold canned replies for this desk: the project's starter set, then the team's
// own (the config's `templates`, else a templates/ directory next to the config file), which
// wins on a name clash and is where `new` and `edit` write.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { Ctx } from '../../cli/context.js';
import { cannedLibrary, type CannedFile, type CannedLibrary, type CannedSource, type ReadSource } from '../../domain/canned/library.js';
import { packageRoot } from '../../paths.js';

/** The starter set shipped with desk: <package root>/templates/replies (found from the package root, so it works from a global install). */
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

/** A source's `.md` files in name order, each read or with why it could not be. */
function readSource(source: CannedSource): ReadSource {
  if (!existsSync(source.dir)) return { source, files: [] };
  const names = readdirSync(source.dir).filter((f) => extname(f).toLowerCase() === '.md').sort();
  const files = names.map((f): CannedFile => {
    const file = join(source.dir, f);
    try {
      return { file, text: readFileSync(file, 'utf8') };
    } catch (err) {
      return { file, error: (err as Error).message };
    }
  });
  return { source, files };
}

/** The canned replies of these directories (later ones win on a name clash); unreadable files are listed as problems. */
export function loadCannedLibrary(sources: readonly CannedSource[]): CannedLibrary {
  return cannedLibrary(sources.map(readSource));
}

export interface CannedSetup {
  library: CannedLibrary;
  /** where the team's replies are read from and written to */
  customDir: string;
}

async function templatesDirOf(ctx: Ctx): Promise<string> {
  const loaded = await ctx.loadedConfig();
  return loaded.data.templates ?? join(dirname(loaded.path), 'templates');
}

export async function cannedLibraryOf(ctx: Ctx): Promise<CannedSetup> {
  const templates = await templatesDirOf(ctx);
  return { library: loadCannedLibrary(cannedSources(templates)), customDir: customRepliesDir(templates) };
}

/** The team's directory, created when missing (as templates/replies, the project's layout). */
export async function writableCannedDir(ctx: Ctx): Promise<string> {
  const templates = await templatesDirOf(ctx);
  if (!existsSync(templates)) mkdirSync(join(templates, 'replies'), { recursive: true });
  return customRepliesDir(templates);
}
