// npm run bench: every benchmark in turn. Never part of the test suite's pass/fail.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
for (const name of ['core', 'query', 'sla', 'sync', 'agents', 'patches']) {
  if (only.length && !only.includes(name)) continue;
  const file = join(here, `${name}.js`);
  if (!existsSync(file)) continue;
  console.log(`\n== ${name} ==`);
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit' });
  if (r.status !== 0) console.log(`(${name} benchmark failed with exit ${r.status})`);
}
