// Builds dist/: one bundled ESM entry plus lazily loaded chunks. Bundling matters for start-up:
// kysely alone is hundreds of small modules, and resolving them made every command 100 ms slower.
// Type checking is separate (npm run typecheck); this step only transpiles.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// Bundled: pure-ESM libraries that are slow to load module by module (kysely), and the two that
// the sync's hot path needs adjusted below (postal-mime, imapflow). Everything else (native
// addons, CommonJS packages, the bundled libraries' own dependencies) stays in node_modules and
// loads as usual.
const bundled = new Set(['kysely', 'postal-mime', 'imapflow']);
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

const keepExternal = {
  name: 'keep-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (bundled.has(packageOf(args.path)) ? undefined : { path: args.path, external: true }));
  },
};

/**
 * imapflow names every attribute of every FETCH response by serializing it back to IMAP text;
 * src/mail/imap-fetch-key.ts answers the plain cases directly (its test checks it against
 * imapflow). The build fails if imapflow's code no longer has the expected shape.
 */
const imapflowFetchKey = {
  name: 'imapflow-fetch-key',
  setup(b) {
    const helper = fileURLToPath(new URL('../src/mail/imap-fetch-key.ts', import.meta.url));
    b.onLoad({ filter: /[\\/]imapflow[\\/]dist[\\/]esm[\\/]tools\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const slow = 'key = (await compiler({\n                attributes: [attribute]\n            }))';
      if (!source.includes(slow)) throw new Error(`imapflow's formatMessageResponse changed; update ${helper} and scripts/build.js`);
      const patched =
        `import { fetchAttributeKey as __deskFetchKey } from ${JSON.stringify(helper)};\n` +
        source.replace(slow, `key = __deskFetchKey(attribute) ?? (await compiler({\n                attributes: [attribute]\n            }))`);
      return { contents: patched, loader: 'js' };
    });
  },
};

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { desk: 'src/cli/main.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [keepExternal, imapflowFetchKey],
  define: { DESK_VERSION: JSON.stringify(pkg.version) },
  // postal-mime joins every decoded part through Node's Blob, which is slow for this; see
  // src/mail/fast-blob.ts. Nothing else bundled uses Blob.
  inject: ['src/mail/fast-blob-inject.ts'],
  legalComments: 'none',
  logLevel: 'warning',
});
