// Builds dist/: one bundled ESM entry plus lazily loaded chunks. Bundling matters for start-up:
// kysely alone is hundreds of small modules, and resolving them made every command 100 ms slower.
// Type checking is separate (npm run typecheck); this step only transpiles.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { inject, keepExternal, patchLibraries } from './build-plugins.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
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
  plugins: [keepExternal, patchLibraries],
  define: { DESK_VERSION: JSON.stringify(pkg.version) },
  inject,
  // CommonJS packages bundled into ESM (yaml) call require for Node's built-ins.
  banner: { js: "import { createRequire as __deskCreateRequire } from 'node:module'; const require = __deskCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
