// Moving a ticket to spam takes its row away, so every table that points at a ticket must be
// handled: links are kept with the spam entry and come back on release; a ticket that took part
// in a merge is refused (the merge's record is what unmerge undoes); notifications about it go.
import { afterAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type TempDesk } from '../helpers/cli.js';

const desks: TempDesk[] = [];
afterAll(() => { for (const d of desks) d.cleanup(); });

function ok(d: TempDesk, args: string[]): string {
  const r = d.run(args);
  expect({ args, code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ args, code: 0, stderr: '' });
  return r.stdout;
}

describe('spam and the tables that point at tickets', () => {
  it('keeps a moved ticket\'s links for its release, and refuses a merged ticket', () => {
    const d = tempDesk();
    desks.push(d);
    const ids = [1, 2, 3, 4].map((i) => JSON.parse(ok(d, ['new', '--from', `c${i}@x.example`, '--subject', `t${i}`, '--json'])).id as number);
    ok(d, ['link', String(ids[0]), '--related', String(ids[1])]);
    ok(d, ['link', String(ids[0]), '--parent', String(ids[2])]);
    ok(d, ['merge', String(ids[3]), '--into', String(ids[2])]);
    ok(d, ['note', String(ids[0]), 'spam-looking']);

    const merged = d.run(['spam', String(ids[2]), '--no-block']);
    expect(merged.code).toBe(4);
    expect(merged.stderr).toContain(`took part in a merge (#${ids[3]} into #${ids[2]})`);
    expect(d.run(['spam', String(ids[3]), '--no-block']).code).toBe(4);

    const [moved] = JSON.parse(ok(d, ['spam', String(ids[0]), '--no-block', '--json'])) as { spam_id: number; ticket: number }[];
    expect(moved!.ticket).toBe(ids[0]);
    const other = JSON.parse(ok(d, ['show', String(ids[1]), '--json']));
    expect(other.links ?? []).toEqual([]);

    ok(d, ['spam', 'release', String(moved!.spam_id)]);
    const back = JSON.parse(ok(d, ['show', String(ids[0]), '--json']));
    expect(back.links).toEqual(expect.arrayContaining([
      expect.objectContaining({ ticket: ids[1] }),
      expect.objectContaining({ ticket: ids[2] }),
    ]));
    expect(back.links).toHaveLength(2);

    // its CC list goes with it and comes back
    const at = '2026-03-01T10:00:00Z';
    writeFileSync(join(d.dir, 'cc.jsonl'), JSON.stringify({
      subject: 'with cc', requester: { email: 'cc-owner@x.example', name: null }, created_at: at, updated_at: at,
      cc: [{ email: 'boss@x.example', name: 'Boss' }],
      messages: [{ message_id: '<cc@x.example>', direction: 'in', from: 'cc-owner@x.example', to: ['support@desk.example'], date: at, subject: 'with cc', text: 'hi' }],
    }) + '\n');
    ok(d, ['import', join(d.dir, 'cc.jsonl')]);
    const ccTicket = JSON.parse(ok(d, ['list', 'subject:"with cc"', '--all', '--json']))[0].id as number;
    const [ccMoved] = JSON.parse(ok(d, ['spam', String(ccTicket), '--no-block', '--json'])) as { spam_id: number }[];
    ok(d, ['spam', 'release', String(ccMoved!.spam_id)]);
    expect(JSON.parse(ok(d, ['show', String(ccTicket), '--json'])).cc).toEqual([{ email: 'boss@x.example', name: 'Boss' }]);
  }, 60_000);

  it('moves a query\'s tickets to spam in one command, asking for --yes above bulk.confirmAbove', () => {
    const d = tempDesk();
    desks.push(d);
    const at = '2026-03-01T10:00:00Z';
    const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({
      subject: `WIN BIG ${i}`, tags: ['flood'], requester: { email: `spammer${i}@flood.example`, name: null }, created_at: at, updated_at: at,
      messages: [{ message_id: `<flood${i}@flood.example>`, direction: 'in', from: `spammer${i}@flood.example`, to: ['support@desk.example'], date: at, subject: `WIN BIG ${i}`, text: 'click' }],
    }));
    lines.push(JSON.stringify({
      subject: 'real question', requester: { email: 'customer@ok.example', name: null }, created_at: at, updated_at: at,
      messages: [{ message_id: '<real@ok.example>', direction: 'in', from: 'customer@ok.example', to: ['support@desk.example'], date: at, subject: 'real question', text: 'help' }],
    }));
    writeFileSync(join(d.dir, 'flood.jsonl'), lines.join('\n') + '\n');
    ok(d, ['import', join(d.dir, 'flood.jsonl')]);

    const refused = d.run(['spam', 'tag:flood', '--no-block']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('30 tickets match, more than bulk.confirmAbove (20): nothing moved');
    expect(JSON.parse(ok(d, ['list', 'tag:flood', '--all', '--json'])).length).toBe(30);

    const moved = JSON.parse(ok(d, ['spam', 'tag:flood', '--no-block', '--yes', '--json'])) as { ticket: number }[];
    expect(moved).toHaveLength(30);
    expect(JSON.parse(ok(d, ['list', 'tag:flood', '--all', '--json']))).toEqual([]);
    expect(JSON.parse(ok(d, ['list', '--all', '--json'])).map((t: { subject: string }) => t.subject)).toEqual(['real question']);
    expect(JSON.parse(ok(d, ['spam', 'list', '--json', '--limit', '100']))).toHaveLength(30);
    expect(d.run(['spam', 'tag:nothing-here', '--no-block']).code).toBe(3);
  }, 60_000);
});
