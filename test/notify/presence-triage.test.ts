// Presence from a real triage screen (tmux): ben has triage open; ana opens hers on the same
// queue, and ben's screen shows that ana is viewing the ticket without a key press (on
// PostgreSQL through NOTIFY, on SQLite through the file's change counter); `desk show` says so
// too. When ana quits, her presence ends, and both stop showing it. Waits are bounded polls.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { triagePane, type TriagePane } from '../helpers/tmux.js';

const NOW = '2026-03-30T14:02:00Z';
let desk: TempDesk;
let ana: TriagePane;
let ben: TriagePane;

beforeAll(() => {
  desk = tempDesk({ DESK_NOW: NOW });
  for (const name of ['ana', 'ben']) {
    const r = desk.run(['agent', 'add', name, '--email', `${name}@team.test`]);
    if (r.code !== 0) throw new Error(r.stderr);
  }
  ana = triagePane('presence-ana');
  ben = triagePane('presence-ben');
});
afterAll(() => {
  ana?.close();
  ben?.close();
  desk?.cleanup();
});

async function until(what: string, read: () => string, seen: (s: string) => boolean, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = read();
  while (!seen(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen:\n${last}`);
    await new Promise((r) => setTimeout(r, 100));
    last = read();
  }
  return last;
}

it("another agent's triage shows in ben's triage and in desk show while it is open, and not after", async () => {
  const created = desk.run(['new', '--from', 'joao@example.com', '--subject', 'Export fails', '--body', 'x', '--json']);
  const id = JSON.parse(created.stdout).id as number;
  const show = () => desk.run(['show', String(id)], { env: { DESK_AGENT: 'ben', DESK_NOW: '2026-03-30T14:03:00Z' } }).stdout;
  expect(show()).not.toContain('ana is');

  ben.start(desk, ['triage'], { env: { DESK_AGENT: 'ben' }, columns: 100 });
  await ben.waitFor('desk triage · 1 needs someone');
  ana.start(desk, ['triage'], { env: { DESK_AGENT: 'ana' }, columns: 100 });
  await ana.waitFor('desk triage · 1 needs someone');

  const screen = await ben.waitFor('ana is viewing (since 14:02)');
  expect(screen).toMatch(new RegExp(`#${id} .*\\[ana viewing\\]`));
  expect(await ana.waitFor('you: ana')).not.toContain('ana viewing'); // not her own
  await until('show naming ana', show, (s) => s.includes('ana is viewing (since 14:02)'));

  ana.keys('q');
  await ana.waitFor('__EXIT__0');
  await ben.waitFor((s) => !s.includes('ana viewing') && s.includes('desk triage · 1 needs someone'));
  expect(show()).not.toContain('ana is');
  ben.keys('q');
  await ben.waitFor('__EXIT__0');
});
