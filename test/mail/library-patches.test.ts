// The libraries desk patches (patches/, README "Libraries") are patched where they are installed,
// by `npm install`/`npm ci` (package.json's postinstall runs patch-package), so that the tests and
// the bundle run the same code. A patch that no longer applies must stop the install.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error plain JavaScript, shared with the build and the benchmark
import { copyWithout, isApplied, libraryPatches, PATCHES, scratchDir } from '../../scripts/library-patches.js';

interface Patch { file: string; pkg: string; version: string; name: string }
const ROOT = process.cwd();
const patches = libraryPatches() as Patch[];
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const installed = (name: string) => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

/** What the bundle has of each patch: a name the patch brings in. */
const MARKS: Record<string, string> = {
  'folded-headers': 'mergedLines',
  'join-chunks': 'joinChunks',
  'native-base64': 'NOT_BASE64',
  'fetch-attribute-key': 'plainFetchAttributeKey',
};

describe('the library patches', () => {
  it('are all applied in node_modules, to the pinned versions they were written for', () => {
    expect(patches.length).toBeGreaterThan(0);
    for (const p of patches) {
      expect([p.name, installed(p.pkg)]).toEqual([p.name, p.version]);
      expect([p.name, pkg.dependencies[p.pkg]]).toEqual([p.name, p.version]);
      expect([p.name, isApplied(p)]).toEqual([p.name, true]);
    }
  });

  it('each say what they change, why, their measured gain and the change to propose upstream', () => {
    for (const p of patches) {
      const header = readFileSync(p.file, 'utf8').split('\ndiff --git ')[0]!;
      for (const part of ['# What:', '# Why:', '# Measured', '# Upstream:']) expect([p.name, header.includes(part)]).toEqual([p.name, true]);
    }
  });

  it('are in the bundle desk runs', () => {
    const dist = join(ROOT, 'dist');
    const files = [...readdirSync(dist).filter((f) => f.endsWith('.js')), ...readdirSync(join(dist, 'chunks')).map((f) => join('chunks', f))];
    const code = files.map((f) => readFileSync(join(dist, f), 'utf8')).join('\n');
    for (const p of patches) {
      const mark = MARKS[p.name];
      expect([p.name, mark !== undefined && code.includes(mark)]).toEqual([p.name, true]);
    }
  });

  describe("package.json's postinstall", () => {
    let dir: string;
    beforeEach(() => {
      // A project of its own with the libraries as npm installs them (no patch applied).
      dir = scratchDir('desk-postinstall-');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fresh', version: '1.0.0', private: true }));
      cpSync(PATCHES, join(dir, 'patches'), { recursive: true });
      for (const name of new Set(patches.map((p) => p.pkg))) {
        const root = copyWithout(patches.filter((p) => p.pkg === name), join(dir, 'pristine'));
        mkdirSync(join(dir, 'node_modules'), { recursive: true });
        cpSync(root, join(dir, 'node_modules', name), { recursive: true });
        rmSync(join(dir, 'node_modules', name, '.patch-package.json'), { force: true });
      }
      rmSync(join(dir, 'pristine'), { recursive: true, force: true });
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const postinstall = () => spawnSync('sh', ['-c', pkg.scripts.postinstall], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}` },
    });

    it('applies every patch to freshly installed libraries', () => {
      for (const p of patches) expect([p.name, isApplied(p, dir)]).toEqual([p.name, false]);
      const r = postinstall();
      expect(r.status).toBe(0);
      for (const p of patches) expect([p.name, isApplied(p, dir)]).toEqual([p.name, true]);
    });

    it('fails the install, naming the library, when a patch no longer fits its code', () => {
      const victim = patches[0]!;
      const target = /^\+\+\+ b\/node_modules\/\S+?\/(\S+)$/m.exec(readFileSync(victim.file, 'utf8'))![1]!;
      const file = join(dir, 'node_modules', victim.pkg, target);
      expect(existsSync(file)).toBe(true);
      // An upstream release that reworded the lines the patch changes.
      const body = readFileSync(victim.file, 'utf8').split('\n@@').slice(1).join('\n');
      const kept = body.split('\n').filter((l) => /^[ -]\s*\S{3}/.test(l) && !l.startsWith('---'));
      let code = readFileSync(file, 'utf8');
      for (const line of kept) code = code.replace(line.slice(1), `${line.slice(1)} // changed upstream`);
      writeFileSync(file, code);
      const r = postinstall();
      expect([r.status === 0, r.stdout + r.stderr]).toEqual([false, expect.stringMatching(new RegExp(`Failed to apply patch (file|for package) ${victim.pkg}\\b`))]);
    });
  });
});
