// How desk is bundled (scripts/build.js), kept apart so that the patch benchmark
// (bench/patches.js) can build desk the same way against a library without one of its patches.
// The libraries are bundled as installed: their patches (patches/, README "Libraries") are
// applied in node_modules at install, so the tests and the bundle run the same code.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Bundled: libraries that are slow to load module by module (kysely; yaml, which reads any config
// that is more than plain `key: value` lines, and SLA policies and rules: 40 CommonJS files cost a
// sixth of `desk show`; pg, which every command on PostgreSQL loads, and pg-copy-streams, its
// bulk load), the sync's two (postal-mime, imapflow), and markdown-it with its own pure-JS
// dependencies (the knowledge base renders articles with it). Everything else (native addons,
// other CommonJS packages) stays in node_modules and loads as usual.
export const bundled = new Set([
  'kysely', 'postal-mime', 'imapflow', 'yaml',
  'pg', 'pg-copy-streams', 'pg-connection-string', 'pg-pool', 'pg-protocol', 'pg-types', 'pgpass', 'pg-int8',
  'postgres-array', 'postgres-bytea', 'postgres-date', 'postgres-interval', 'split2', 'xtend',
  'markdown-it', 'mdurl', 'uc.micro', 'entities', 'linkify-it', 'punycode.js',
]);
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

export const keepExternal = {
  name: 'keep-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (bundled.has(packageOf(args.path)) ? undefined : { path: args.path, external: true }));
  },
};

/** esbuild options of desk's bundle into `outdir`; `plugins` run before keepExternal. */
export function deskBuildOptions({ outdir, plugins = [] }) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return {
    absWorkingDir: ROOT,
    entryPoints: { desk: 'src/cli/main.ts' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [...plugins, keepExternal],
    define: { DESK_VERSION: JSON.stringify(pkg.version) },
    // CommonJS packages bundled into ESM (yaml, pg) call require for Node's built-ins.
    banner: { js: "import { createRequire as __deskCreateRequire } from 'node:module'; const require = __deskCreateRequire(import.meta.url);" },
    legalComments: 'none',
    logLevel: 'warning',
  };
}
