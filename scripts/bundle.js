// How desk is bundled (scripts/build.js), kept apart so that the patch benchmark
// (bench/patches.js) can build desk the same way against a library without one of its patches.
// The libraries are bundled as installed: their patches (patches/, README "Libraries") are
// applied in node_modules at install, so the tests and the bundle run the same code.
//
// Two outputs:
// - dist/chunks/desk.cjs: desk and its pure-JavaScript libraries, one CommonJS file. Code that only
//   some commands need (a command's run module, imapflow, pg, markdown-it…) is imported dynamically
//   and esbuild wraps it, so its top level runs only when a command imports it; compiling the
//   file is what V8's code cache saves (the loader below).
// - dist/desk.js: the loader (src/cli/loader.ts), which bin/desk.js imports: it compiles the bundle
//   with the code cache kept in the user's cache directory and runs it.
// Native addons stay in node_modules and load as usual.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Packages loaded from node_modules, not bundled: native addons (and what finds them). */
export const external = new Set(['better-sqlite3', 'bindings', '@resvg/resvg-js']);
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

const isExternal = (specifier) => external.has(packageOf(specifier)) || specifier.startsWith('node:');

// A dynamic import() of an external module would stay import() in CommonJS output, which a script
// compiled by node:vm cannot run: it becomes a small module that requires it (loaded when imported).
export const keepExternal = {
  name: 'keep-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (!isExternal(args.path)) return undefined;
      if (args.kind === 'dynamic-import') return { path: args.path, namespace: 'desk-require' };
      return { path: args.path, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'desk-require' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/**
 * The bundle in plain ASCII, which the loader reads as one-byte text (decoding UTF-8 took longer
 * than reading the file). esbuild escapes strings (charset: 'ascii') but not every regular
 * expression: a \\uXXXX escape means the same there (and in identifiers and templates).
 */
export function asciiOnly(code) {
  // An escaped character (`\\é`) would need more care; no bundled library has one.
  if (/\\[^\0-\x7f]/.test(code)) throw new Error('the bundle has a backslash before a non-ASCII character: asciiOnly cannot escape it');
  return code.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** After the bundle: the loader, into `outdir`/desk.js, with the bundle's digest built in. */
function loaderPlugin(outdir) {
  return {
    name: 'desk-loader',
    setup(b) {
      b.onEnd((result) => {
        if (result.errors.length) return;
        const file = join(outdir, 'chunks', 'desk.cjs');
        const bundle = Buffer.from(asciiOnly(readFileSync(file, 'utf8')), 'latin1');
        writeFileSync(file, bundle);
        buildSync({
          absWorkingDir: ROOT,
          entryPoints: ['src/cli/loader.ts'],
          outfile: join(outdir, 'desk.js'),
          bundle: true,
          format: 'esm',
          platform: 'node',
          target: 'node20',
          define: { DESK_BUNDLE_ID: JSON.stringify(createHash('sha256').update(bundle).digest('hex').slice(0, 32)) },
          legalComments: 'none',
          logLevel: 'warning',
        });
      });
    },
  };
}

/** esbuild options of desk's bundle into `outdir`; `plugins` run before keepExternal. */
export function deskBuildOptions({ outdir, plugins = [] }) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return {
    absWorkingDir: ROOT,
    entryPoints: { 'chunks/desk': 'src/cli/main.ts' },
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outdir,
    plugins: [...plugins, keepExternal, loaderPlugin(outdir)],
    define: {
      DESK_VERSION: JSON.stringify(pkg.version),
      DESK_BUNDLED: 'true',
      // The bundle's own address (the loader runs it as a CommonJS module with its __filename).
      'import.meta.url': '__deskBundleUrl',
    },
    banner: { js: "const __deskBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    // No comments and no indentation: less to read and scan at start-up (a third of the size),
    // and plain ASCII (non-ASCII characters in strings are escaped), which the loader reads
    // without decoding UTF-8.
    minifyWhitespace: true,
    charset: 'ascii',
    legalComments: 'none',
    logLevel: 'warning',
  };
}
