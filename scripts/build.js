// Builds dist/: one bundled ESM entry plus lazily loaded chunks. Bundling matters for start-up:
// kysely alone is hundreds of small modules, and resolving them made every command 100 ms slower.
// Type checking is separate (npm run typecheck); this step only transpiles.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// Bundle only pure-ESM libraries that are slow to load module by module (kysely), or that need
// the in-memory Blob below (postal-mime); the rest (native addons, CommonJS packages) stay in
// node_modules and load as usual.
const bundled = new Set(['kysely', 'postal-mime']);
const external = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies ?? {})].filter((d) => !bundled.has(d));

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
  external,
  define: { DESK_VERSION: JSON.stringify(pkg.version) },
  // postal-mime joins every decoded part through Node's Blob, which is slow for this; see
  // src/mail/fast-blob.ts. Nothing else bundled uses Blob.
  inject: ['src/mail/fast-blob-inject.ts'],
  legalComments: 'none',
  logLevel: 'warning',
});
