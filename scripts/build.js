// Builds dist/ (scripts/bundle.js): the loader dist/desk.cjs and the CommonJS bundle it runs with
// V8's code cache, plus the libraries bundled apart. Bundling matters for start-up: kysely alone
// is hundreds of small modules, and resolving them made every command 100 ms slower.
// Type checking is separate (npm run typecheck); this step only transpiles.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deskBuildOptions } from './bundle.js';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
rmSync(dist, { recursive: true, force: true });
await build(deskBuildOptions({ outdir: dist }));
