// The library patches in patches/ (patch-package's format and file names: one change per file,
// `<package>+<version>+<NNN>+<name>.patch`, applied in order by `patch-package` at install).
// The parity tests and the patch benchmark use this to tell whether a patch is applied and to make
// a copy of a library without one of its patches (the original behaviour to compare with).
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const PATCHES = join(ROOT, 'patches');

const NAME = /^(?<pkg>(?:@[^+]+\+)?[^+@]+)\+(?<version>[^+]+)\+(?<seq>\d+)\+(?<name>[^+]+)\.patch$/;

/** Every patch, in the order patch-package applies them. */
export function libraryPatches() {
  return readdirSync(PATCHES)
    .filter((f) => f.endsWith('.patch'))
    .sort()
    .map((file) => {
      const m = NAME.exec(file);
      if (!m) throw new Error(`patches/${file}: not named <package>+<version>+<NNN>+<name>.patch`);
      return { file: join(PATCHES, file), pkg: m.groups.pkg.replace('+', '/'), version: m.groups.version, name: m.groups.name };
    });
}

/**
 * A new empty directory for copies of libraries, inside the project (node_modules/.cache, made
 * when a fresh install has none) so that the copies' own imports resolve as the installed
 * library's do.
 */
export function scratchDir(prefix) {
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  return mkdtempSync(join(cache, prefix));
}

/** The patch called `name` (its part after the sequence number). */
export function libraryPatch(name) {
  const found = libraryPatches().find((p) => p.name === name);
  if (!found) throw new Error(`no patch named ${name} in patches/`);
  return found;
}

function runPatch(args, patch, root) {
  const r = spawnSync('patch', ['-p1', '--fuzz=0', '--force', '--no-backup-if-mismatch', '-d', root, '-i', patch.file, ...args], { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run patch(1): ${r.error.message}`);
  return r;
}

/** Whether `patch` is applied in the node_modules of `root` (the project's, unless told). */
export function isApplied(patch, root = ROOT) {
  return runPatch(['--reverse', '--dry-run', '--silent'], patch, root).status === 0;
}

/**
 * A copy of the patched library with `without` (patches of that one package) taken back out, as
 * `<dir>/node_modules/<package>`. Throws when a patch does not come out cleanly.
 */
export function copyWithout(without, dir) {
  const list = [without].flat();
  const pkg = list[0].pkg;
  if (list.some((p) => p.pkg !== pkg)) throw new Error('copyWithout: patches of one package at a time');
  const dest = join(dir, 'node_modules', pkg);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  cpSync(join(ROOT, 'node_modules', pkg), dest, { recursive: true });
  for (const patch of [...list].reverse()) {
    const r = runPatch(['--reverse', '--silent'], patch, dir);
    if (r.status !== 0) throw new Error(`${patch.file} does not come out of ${pkg}: ${r.stdout}${r.stderr}`);
  }
  return dest;
}
