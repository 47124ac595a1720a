import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  globalThis.__deskSharedPostgres?.stop();
  if (globalThis.__deskTemplateDir) rmSync(globalThis.__deskTemplateDir, { recursive: true, force: true });
}
