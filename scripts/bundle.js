// How desk is bundled (scripts/build.js), kept apart so that the patch benchmark
// (bench/patches.js) can build desk the same way against a library without one of its patches.
// The libraries are bundled as installed: their patches (patches/, README "Libraries") are
// applied in node_modules at install, so the tests and the bundle run the same code.
//
// The outputs:
// - dist/chunks/desk.cjs: desk and its pure-JavaScript libraries, one CommonJS file. Code that only
//   some commands need (a command's run module, pg…) is imported dynamically and esbuild wraps
//   it, so its top level runs only when a command imports it; compiling the file is what V8's
//   code cache saves (the loader below).
// - dist/chunks/lib-….cjs: the libraries only some commands use (`apart` below).
// - dist/desk.cjs: the loader (src/cli/loader.ts), which bin/desk.js requires: it compiles the
//   bundle and those libraries with the code cache kept in the user's cache directory and runs
//   them. It is CommonJS, as bin/desk.js is (bin/package.json): an ES module entry point costs
//   every command Node's module loader, 7 ms of a `desk list`.
// Native addons stay in node_modules and load as usual.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Packages loaded from node_modules, not bundled: native addons. better-sqlite3's JavaScript is
 * bundled; its addon is found by `bindings`, which tries a dozen places (found at the first,
 * build/Release, in every install we know): the bundle tries that place first (BINDINGS).
 */
export const external = new Set(['bindings', '@resvg/resvg-js']);
const BINDINGS = `const { dirname, join } = require('node:path');
module.exports = function bindings(name) {
  try {
    return require(join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', name));
  } catch (err) {
    if (err?.code !== 'MODULE_NOT_FOUND') throw err;
  }
  return require('bindings')(name);
};`;
/**
 * Libraries only some commands use (sync, reply, canned replies, the knowledge base, prompts,
 * progress bars), bundled apart: each imported module into a file of its own beside the bundle
 * (dist/chunks/lib-….cjs), which the bundle requires when a command first imports it. The
 * bundle every command compiles is then half the size. The value is how the library is taken:
 * 'import' (its ES module build, which imapflow's patch changes; desk uses named exports only)
 * or 'require' (its CommonJS build, whose module.exports is what a default import sees).
 */
export const apart = new Map([
  ['imapflow', 'import'], ['nodemailer', 'require'], ['liquidjs', 'require'], ['markdown-it', 'require'],
  ['html-to-text', 'require'], ['@inquirer/prompts', 'require'], ['cli-progress', 'require'],
]);
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
const isExternal = (specifier) => external.has(packageOf(specifier)) || specifier.startsWith('node:');
/** The file (relative to the bundle) of a library bundled apart. */
const apartFile = (specifier) => `./lib-${specifier.replace(/[^A-Za-z0-9.-]+/g, '_')}.cjs`;

/**
 * Resolves what is not bundled into desk.cjs: external modules, and libraries bundled apart
 * (`seen` collects their specifiers; not in the libraries' own builds). A dynamic import() of
 * either would stay import() in CommonJS output, which a script compiled by node:vm cannot run:
 * it becomes a small module that requires it (loaded when imported).
 */
function notBundled(seen, { withApart = true } = {}) {
  return {
    name: 'not-bundled',
    setup(b) {
      b.onResolve({ filter: /^bindings$/ }, (args) => (/[\\/]node_modules[\\/]better-sqlite3[\\/]/.test(args.importer) ? { path: 'bindings', namespace: 'desk-bindings' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'desk-bindings' }, () => ({ contents: BINDINGS, loader: 'js' }));
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        const lib = withApart && apart.has(packageOf(args.path));
        if (!lib && !isExternal(args.path)) return undefined;
        if (lib) seen?.add(args.path);
        const target = lib ? apartFile(args.path) : args.path;
        if (args.kind === 'dynamic-import') return { path: target, namespace: 'desk-require' };
        return { path: target, external: true };
      });
      b.onResolve({ filter: /^\.\/lib-/, namespace: 'desk-require' }, (args) => ({ path: args.path, external: true }));
      b.onLoad({ filter: /.*/, namespace: 'desk-require' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    },
  };
}
/** For bench/patches.js and other builds of the bundle alone. */
export const keepExternal = notBundled(null);

/**
 * The bundle in plain ASCII, which the loader reads as one-byte text (decoding UTF-8 took longer
 * than reading the file). esbuild escapes strings (charset: 'ascii') but not every regular
 * expression: a \uXXXX escape means the same there (and in identifiers and templates).
 */
export function asciiOnly(code) {
  // An escaped character (`\\é`) would need more care; no bundled library has one.
  if (/\\[^\0-\x7f]/.test(code)) throw new Error('the bundle has a backslash before a non-ASCII character: asciiOnly cannot escape it');
  return code.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Options shared by the bundle and the libraries bundled apart. */
const COMMON = {
  absWorkingDir: ROOT,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // No comments and no indentation: less to read and scan at start-up (a third of the size),
  // and plain ASCII (non-ASCII characters in strings are escaped), which the loader reads
  // without decoding UTF-8.
  minifyWhitespace: true,
  charset: 'ascii',
  legalComments: 'none',
  logLevel: 'warning',
};

/** Rewrites a built file in plain ASCII. */
function toAscii(file) {
  const code = Buffer.from(asciiOnly(readFileSync(file, 'utf8')), 'latin1');
  writeFileSync(file, code);
  return code;
}

/**
 * After the bundle: the libraries it imports that are bundled apart, then the loader, into
 * `outdir`/desk.cjs, with a digest of all of them built in.
 */
function afterBundle(outdir, seen, plugins) {
  return {
    name: 'desk-after-bundle',
    setup(b) {
      b.onEnd(async (result) => {
        if (result.errors.length) return;
        const digest = createHash('sha256');
        digest.update(toAscii(join(outdir, 'chunks', 'desk.cjs')));
        for (const specifier of [...seen].sort()) {
          const file = join(outdir, 'chunks', apartFile(specifier));
          const how = apart.get(packageOf(specifier));
          await build({
            ...COMMON,
            stdin: { contents: how === 'import' ? `export * from ${JSON.stringify(specifier)};` : `module.exports = require(${JSON.stringify(specifier)});`, resolveDir: ROOT, loader: 'js' },
            outfile: file,
            plugins: [...plugins, notBundled(null, { withApart: false })],
          });
          digest.update(specifier).update(toAscii(file));
        }
        await build({
          absWorkingDir: ROOT,
          entryPoints: ['src/cli/loader.ts'],
          outfile: join(outdir, 'desk.cjs'),
          bundle: true,
          format: 'cjs',
          platform: 'node',
          target: 'node20',
          define: { DESK_BUNDLE_ID: JSON.stringify(digest.digest('hex').slice(0, 32)), 'import.meta.url': '__deskLoaderUrl' },
          banner: { js: "const __deskLoaderUrl = require('node:url').pathToFileURL(__filename).href;" },
          legalComments: 'none',
          logLevel: 'warning',
        });
      });
    },
  };
}

/** esbuild options of desk's bundle into `outdir`; `plugins` run before desk's own (and in the libraries' builds too). */
export function deskBuildOptions({ outdir, plugins = [] }) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const seen = new Set();
  return {
    ...COMMON,
    entryPoints: { 'chunks/desk': 'src/cli/main.ts' },
    outExtension: { '.js': '.cjs' },
    outdir,
    plugins: [...plugins, notBundled(seen), afterBundle(outdir, seen, plugins)],
    define: {
      DESK_VERSION: JSON.stringify(pkg.version),
      DESK_BUNDLED: 'true',
      // The bundle's own address (the loader runs it as a CommonJS module with its __filename).
      'import.meta.url': '__deskBundleUrl',
    },
    banner: { js: "const __deskBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  };
}
