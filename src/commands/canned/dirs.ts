// Which directories hold canned replies for this desk: the project's starter set, then the team's
// own (the config's `templates`, else a templates/ directory next to the config file), which
// wins on a name clash and is where `new` and `edit` write.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Ctx } from '../../cli/context.js';
import { cannedSources, customRepliesDir, loadCannedLibrary, type CannedLibrary } from '../../domain/canned/library.js';

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
