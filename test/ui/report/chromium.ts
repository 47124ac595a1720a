// Runs Debian's headless Chromium on a local file. A missing browser fails the test with the
// command that installs it: a rendering check that silently skips checks nothing.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath(): string {
  const found = [process.env.CHROMIUM, ...CANDIDATES].find((p): p is string => !!p && existsSync(p));
  if (!found) throw new Error('headless Chromium is needed for the HTML report test: apt-get install chromium');
  return found;
}

function run(args: string[]): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'desk-chromium-'));
  const base = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--host-resolver-rules=MAP * ~NOTFOUND', `--user-data-dir=${profile}`];
  return new Promise((resolve, reject) => {
    execFile(chromiumPath(), [...base, ...args], { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`chromium failed: ${err.message}\n${stderr.slice(-2000)}`));
      else resolve(stdout);
    });
  });
}

/** The DOM after the page (and any probe script) ran. */
export function dumpDom(file: string): Promise<string> {
  return run(['--virtual-time-budget=5000', '--dump-dom', pathToFileURL(file).href]);
}

export async function screenshot(file: string, png: string): Promise<void> {
  await run(['--window-size=1000,1600', '--hide-scrollbars', `--screenshot=${png}`, pathToFileURL(file).href]);
}
