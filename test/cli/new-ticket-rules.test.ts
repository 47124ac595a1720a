// Every way a ticket arrives goes through the triage rules: `desk new` and `desk import` here
// (sync has its own tests against Dovecot).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type TempDesk } from '../helpers/cli.js';

let desk: TempDesk;
beforeAll(() => {
  desk = tempDesk({ DESK_NOW: '2026-04-01T10:00:00Z' });
  const rules = join(desk.dir, 'rules.yaml');
  writeFileSync(rules, 'triage:\n  - name: outage is urgent\n    match: { keywords: [outage] }\n    set: { priority: urgent, tags: [outage], queue: tech }\n');
  writeFileSync(desk.config, `rules: ${rules}\n`);
});
afterAll(() => desk.cleanup());

test('desk new: a matching rule changes the ticket, as events by `rules` naming the rule', () => {
  const t = JSON.parse(desk.run(['new', '--from', 'a@b.example', '--subject', 'Total outage', '--json']).stdout);
  expect(t).toMatchObject({ priority: 'urgent', queue: 'tech', tags: ['outage'] });
  const shown = JSON.parse(desk.run(['show', String(t.id), '--json']).stdout);
  expect(shown.events.map((e: { actor: string; reason: string; type: string }) => [e.actor, e.reason, e.type]))
    .toEqual([['rules', 'outage is urgent', 'queue'], ['rules', 'outage is urgent', 'priority'], ['rules', 'outage is urgent', 'tag']]);
  const calm = JSON.parse(desk.run(['new', '--from', 'a@b.example', '--subject', 'A question', '--json']).stdout);
  expect(calm.priority).toBe('normal');
});

test('desk import: new tickets are triaged too, tickets already present are not touched again', () => {
  const line = JSON.stringify({ subject: 'outage in EU', requester: { email: 'c@d.example' }, messages: [{ message_id: '<x1@d.example>', from: 'c@d.example', text: 'all down' }] });
  expect(desk.run(['import', '-'], { input: line + '\n' }).code).toBe(0);
  expect(desk.run(['import', '-'], { input: line + '\n' }).code).toBe(0);
  const found = JSON.parse(desk.run(['list', '--requester', 'c@d.example', '--json']).stdout);
  expect(found).toHaveLength(1);
  expect(found[0].priority).toBe('urgent');
  const shown = JSON.parse(desk.run(['show', String(found[0].id), '--json']).stdout);
  expect(shown.events.filter((e: { actor: string }) => e.actor === 'rules')).toHaveLength(3);
});

test('a broken rules file stops `desk new` with exit 2 and creates nothing', () => {
  const bad = join(desk.dir, 'bad.yaml');
  writeFileSync(bad, 'triage:\n  - name: x\n    match: { sendr: a@b.example }\n    set: { priority: urgent }\n');
  const before = JSON.parse(desk.run(['list', '--all', '--json']).stdout).length;
  writeFileSync(join(desk.dir, 'bad-config.yaml'), `rules: ${bad}\n`);
  const r2 = desk.run(['new', '--from', 'a@b.example', '--subject', 'x'], { env: { DESK_CONFIG: join(desk.dir, 'bad-config.yaml') } });
  expect(r2.code).toBe(2);
  expect(r2.stderr).toContain("'match.sendr'");
  expect(JSON.parse(desk.run(['list', '--all', '--json']).stdout).length).toBe(before);
});
