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
 * Two hot spots of imapflow, changed at build time (the version is pinned; the build fails if the
 * code no longer has the expected shape). Both only skip work whose result a sync never uses.
 */
const fetchKeyHelper = fileURLToPath(new URL('../src/mail/imap-fetch-key.ts', import.meta.url));
const imapflowPatches = [
  {
    // formatMessageResponse names each attribute of each FETCH response by serializing it back
    // to IMAP text; src/mail/imap-fetch-key.ts answers the plain cases directly (its test checks
    // it against imapflow's own answer).
    file: /[\\/]imapflow[\\/]dist[\\/]esm[\\/]tools\.js$/,
    prelude: `import { fetchAttributeKey as __deskFetchKey } from ${JSON.stringify(fetchKeyHelper)};\n`,
    from: 'key = (await compiler({\n                attributes: [attribute]\n            }))',
    to: 'key = __deskFetchKey(attribute) ?? (await compiler({\n                attributes: [attribute]\n            }))',
  },
  {
    // Every server response is serialized again for the log before the level is known; FETCH
    // responses (the message bodies) only ever go to trace, which desk's logger drops.
    file: /[\\/]imapflow[\\/]dist[\\/]esm[\\/]imap-flow\.js$/,
    prelude: '',
    from: `let logCompiled = await compiler(parsed, {
            isLogging: true
        });
        if (/^\\d+$/.test(parsed.command || '') && parsed.attributes && parsed.attributes[0] && parsed.attributes[0].value === 'FETCH') {`,
    to: `const __deskIsFetch = /^\\d+$/.test(parsed.command || '') && parsed.attributes && parsed.attributes[0] && parsed.attributes[0].value === 'FETCH';
        let logCompiled = __deskIsFetch ? '' : await compiler(parsed, {
            isLogging: true
        });
        if (__deskIsFetch) {`,
  },
];
const patchImapflow = {
  name: 'patch-imapflow',
  setup(b) {
    for (const patch of imapflowPatches) {
      b.onLoad({ filter: patch.file }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes(patch.from)) throw new Error(`${args.path} changed: review the patches in scripts/build.js`);
        return { contents: patch.prelude + source.replace(patch.from, patch.to), loader: 'js' };
      });
    }
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
  plugins: [keepExternal, patchImapflow],
  define: { DESK_VERSION: JSON.stringify(pkg.version) },
  // postal-mime joins every decoded part through Node's Blob, which is slow for this; see
  // src/mail/fast-blob.ts. Nothing else bundled uses Blob.
  inject: ['src/mail/fast-blob-inject.ts'],
  legalComments: 'none',
  logLevel: 'warning',
});
