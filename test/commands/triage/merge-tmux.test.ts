// Merge and link from the triage screen, in a real terminal (tmux): `m` asks for the target
// and merges the selected ticket into it (the merged one leaves the queue), `l` asks how and
// with which ticket, and links them; and `desk close` on a parent asking about its children.
import { tempDesk, type TempDesk } from '../../helpers/cli.js';
import { triagePane, type TriagePane } from '../../helpers/tmux.js';

const NOW = '2026-03-30T09:00:00Z';
let desk: TempDesk;
let pane: TriagePane;

function ok(args: string[]): string {
  const r = desk.run(args, { env: { DESK_NOW: NOW } });
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const newTicket = (subject: string) =>
  JSON.parse(ok(['new', '--from', 'eve@example.com', '--subject', subject, '--body', 'Help', '--queue', 'mq', '--json'])).id as number;

/** The status line of the screen: the row above the key help. */
const statusLine = (scr: string) => scr.split('\n').at(-3) ?? '';

beforeAll(() => {
  pane = triagePane('triage-merge');
  desk = tempDesk({ DESK_AGENT: 'ana', DESK_NOW: NOW });
});
afterAll(() => {
  pane.close();
  desk.cleanup();
});

test('m merges the selected ticket into the id typed; l links it', async () => {
  const ids = [newTicket('Printer jams'), newTicket('Printer jams again'), newTicket('Toner empty')];
  pane.start(desk, ['triage', '--queue', 'mq']);
  const first = Number(/^> #(\d+) /m.exec(await pane.waitFor(/^> #\d+ /m))![1]);
  const [target, other] = ids.filter((id) => id !== first);

  pane.keys('m');
  await pane.waitFor(`Merge #${first} into ticket:`);
  pane.typeText(String(target));
  pane.keys('Enter');
  let s = await pane.waitFor((scr) => statusLine(scr).includes('merged into'));
  expect(statusLine(s)).toContain(`#${first} merged into #${target}`);
  expect(s).not.toMatch(new RegExp(`^[ >] #${first} `, 'm')); // closed and merged: out of the queue

  s = await pane.waitFor(/^> #\d+ /m);
  const selected = Number(/^> #(\d+) /m.exec(s)![1]);
  const linkTo = selected === target ? other! : target!;
  pane.keys('l');
  await pane.waitFor(`#${selected} is`);
  pane.keys('Enter'); // related to (the first choice)
  await pane.waitFor('Ticket:');
  pane.typeText(String(linkTo));
  pane.keys('Enter');
  s = await pane.waitFor((scr) => statusLine(scr).includes('is now'));
  expect(statusLine(s)).toContain(`#${selected} is now related to #${linkTo}`);
  pane.keys('q');
  await pane.waitFor('__EXIT__0');

  const merged = JSON.parse(ok(['show', String(first), '--json']));
  expect(merged).toMatchObject({ status: 'closed', merged_into: target });
  const linked = JSON.parse(ok(['show', String(selected), '--json']));
  expect(linked.links).toEqual([{ kind: 'related', ticket: linkTo }]);
}, 60000);

test('desk close on a terminal asks whether a parent’s open children close too', async () => {
  const parent = newTicket('Site down');
  const kids = [newTicket('Site down in Berlin'), newTicket('Site down in Paris')];
  for (const k of kids) ok(['link', String(parent), '--child', String(k)]);
  pane.start(desk, ['close', String(parent)]);
  await pane.waitFor(`#${parent} has 2 open child ticket(s): #${kids[0]}, #${kids[1]}. Close the 2 children too? [y/N]`);
  pane.typeText('y');
  pane.keys('Enter');
  await pane.waitFor('__EXIT__0');
  const statuses = [parent, ...kids].map((id) => JSON.parse(ok(['show', String(id), '--json'])).status);
  expect(statuses).toEqual(['closed', 'closed', 'closed']);
}, 60000);
