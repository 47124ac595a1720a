// cli-table3, loaded when a table is first drawn: piped output (scripts, `| less -S`) prints
// tab-separated lines and never draws one, and loading the package and its text-width helpers
// is a twentieth of a short command. (Synchronous: the report renderers are.)
import { createRequire } from 'node:module';
import type TableClass from 'cli-table3';

const load = createRequire(import.meta.url);

export function tableClass(): typeof TableClass {
  return load('cli-table3') as typeof TableClass;
}
