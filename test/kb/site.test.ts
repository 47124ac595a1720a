// `desk kb publish DIR` opened in headless Chromium from file://, as a customer would: the index
// carries the team's name, typing a word in the search box (a probe script on a copy of the page
// does the typing) shows the matching article's link, internal articles are nowhere, and a
// <script> in an article's text shows as text and never runs. On both backends (files, database).
import { afterAll, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { dumpDom } from '../ui/report/chromium.js';

const desks: TempDesk[] = [];
afterAll(() => desks.forEach((d) => d.cleanup()));

function ok(desk: TempDesk, args: string[]): string {
  const r = desk.run(args);
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Types each word into the search box of a copy of index.html in turn; records the result links of each. */
const PROBE = (words: string[]) => `<script>
  var q = document.getElementById('q');
  var results = ${JSON.stringify(words)}.map(function (w) {
    q.value = w; q.dispatchEvent(new Event('input'));
    return Array.from(document.querySelectorAll('#results a')).map(function (a) { return a.getAttribute('href') + ' ' + a.textContent; });
  });
  var probe = document.createElement('pre'); probe.id = 'probe';
  probe.textContent = JSON.stringify({ results: results,
    listed: Array.from(document.querySelectorAll('#all a')).map(function (a) { return a.getAttribute('href'); }), title: document.title });
  document.body.appendChild(probe);
</script>`;

const probeOf = (dom: string) => JSON.parse(/<pre id="probe">([^<]*)<\/pre>/.exec(dom)![1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));

it('publishes the public articles as a site that searches in the browser and runs no article script', async () => {
  const desk = tempDesk();
  desks.push(desk);
  writeFileSync(desk.config, 'team: Acme <Support>\n');
  ok(desk, ['kb', 'new', 'reset-password', '--title', 'Reset your password', '--tag', 'account', '--public', '--body', 'Choose *Réinitialiser* in Settings.']);
  ok(desk, ['kb', 'new', 'export-csv', '--title', 'Export invoices', '--tag', 'billing', '--public', '--body',
    'Export from Billing.\n\n<script>document.title = "pwned"</script>\n\n<img src=x onerror="document.title=\'pwned\'"> [click](javascript:document.title=1)']);
  ok(desk, ['kb', 'new', 'vpn-agents', '--title', 'VPN secrets for agents', '--body', 'Internal: the VPN password is in the vault. Réinitialiser.']);
  const site = join(desk.dir, 'site');
  ok(desk, ['kb', 'publish', site]);

  expect(readdirSync(site).sort()).toEqual(['export-csv.html', 'index.html', 'reset-password.html', 'search-index.js', 'search-index.json', 'search.js']);
  expect(JSON.parse(readFileSync(join(site, 'search-index.json'), 'utf8')).map((a: { slug: string }) => a.slug).sort()).toEqual(['export-csv', 'reset-password']);
  for (const f of readdirSync(site)) expect([f, readFileSync(join(site, f), 'utf8').includes('VPN')]).toEqual([f, false]);
  expect(existsSync(join(site, 'vpn-agents.html'))).toBe(false);

  const index = readFileSync(join(site, 'index.html'), 'utf8');
  const typed = join(site, 'probed.html');
  writeFileSync(typed, index.replace('</body>', `${PROBE(['reinit', 'EXPORT invoic', 'vpn'])}</body>`));
  const found = probeOf(await dumpDom(typed));
  expect(found.title).toBe('Acme <Support>: help');
  expect(found.results).toEqual([['reset-password.html Reset your password'], ['export-csv.html Export invoices'], []]);
  expect(found.listed.sort()).toEqual(['export-csv.html', 'reset-password.html']);

  const page = await dumpDom(join(site, 'export-csv.html'));
  expect(page).toContain('<title>Export invoices · Acme &lt;Support&gt;</title>');
  expect(page).toContain('&lt;script&gt;document.title = "pwned"&lt;/script&gt;');
  expect(page).not.toMatch(/<script|<img|href="javascript/i);
});
