// desk canned list | show | new | edit | rm | render, run as a user runs them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDesk, type TempDesk } from '../helpers/cli.js';

let desk: TempDesk;
let ticket: number;

function ok(args: string[], env: Record<string, string> = {}, input?: string) {
  const r = desk.run(args, { env, input });
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

function script(name: string, body: string): string {
  const path = join(desk.dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

beforeAll(() => {
  desk = tempDesk({ DESK_NOW: '2026-03-30T08:00:00Z' });
  // No `templates` in the config: the team's replies go next to the config file.
  writeFileSync(desk.config, 'agent: ana\n');
  ticket = JSON.parse(ok(['new', '--from', 'joao@example.com', '--name', 'João Silva', '--subject', 'Cannot log in', '--json']).stdout).id;
});
afterAll(() => desk.cleanup());

describe('desk canned', () => {
  it('lists the starter set, filtered by tag', () => {
    const all = JSON.parse(ok(['canned', 'list', '--json']).stdout) as Array<{ name: string; tags: string[]; origin: string }>;
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(all.every((r) => r.origin === 'project')).toBe(true);
    const billing = JSON.parse(ok(['canned', 'list', '--tag', 'billing', '--json']).stdout) as Array<{ name: string; tags: string[] }>;
    expect(billing.length).toBeGreaterThan(0);
    expect(billing.every((r) => r.tags.includes('billing'))).toBe(true);
    expect(billing.map((r) => r.name)).toContain('refund-processed');
    expect(ok(['canned']).stdout).toMatch(/password-reset\tPassword reset instructions/);
  });

  it('shows a reply as written, and says 3 for one that does not exist', () => {
    expect(ok(['canned', 'show', 'password-reset']).stdout).toMatch(/^---\nname: password-reset\n/);
    expect(desk.run(['canned', 'show', 'nope']).code).toBe(3);
    expect(desk.run(['canned', 'show', '../../etc/passwd']).code).toBe(2);
  });

  it('renders a reply for a ticket', () => {
    const text = ok(['canned', 'render', 'password-reset', '--ticket', String(ticket)]).stdout;
    expect(text).toMatch(/^Hi João,/);
    expect(text).toContain('Enter joao@example.com');
    expect(text).toMatch(/Best regards,\ntester\n$/);
    expect(desk.run(['canned', 'render', 'password-reset']).code).toBe(2);
    expect(desk.run(['canned', 'render', 'password-reset', '--ticket', '999']).code).toBe(3);
  });

  it('new writes the team’s reply, which then lists, renders, and refuses unresolved variables', () => {
    ok(['canned', 'new', 'vip-hello', '--title', 'Hello to a VIP', '--tag', 'vip', '--status-after', 'pending', '--body', 'Dear {{ customer.name }}, ticket {{ ticket.id }}.']);
    const file = join(desk.dir, 'templates', 'replies', 'vip-hello.md');
    expect(readFileSync(file, 'utf8')).toContain('status_after: pending');
    const listed = JSON.parse(ok(['canned', 'list', '--tag', 'vip', '--json']).stdout);
    expect(listed).toEqual([expect.objectContaining({ name: 'vip-hello', origin: 'custom', status_after: 'pending' })]);
    expect(ok(['canned', 'render', 'vip-hello', '--ticket', String(ticket)]).stdout).toBe(`Dear João Silva, ticket ${ticket}.\n`);

    ok(['canned', 'new', 'broken', '--body', 'Hi {{ customer.nick }}']);
    const r = desk.run(['canned', 'render', 'broken', '--ticket', String(ticket)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('{{customer.nick}}');

    expect(desk.run(['canned', 'new', 'vip-hello', '--body', 'again']).code).toBe(2);
    expect(desk.run(['canned', 'new', 'password-reset', '--body', 'again']).code).toBe(2);
  });

  it('edit opens the editor; editing a starter reply makes the team’s copy and leaves desk’s file alone', () => {
    const editor = script('edit.sh', 'sed -i "s/Sorry you.re locked out./Sorry about that!/" "$1"');
    ok(['canned', 'edit', 'password-reset'], { EDITOR: editor });
    const copy = join(desk.dir, 'templates', 'replies', 'password-reset.md');
    expect(readFileSync(copy, 'utf8')).toContain('Sorry about that!');
    expect(readFileSync(join(ROOT, 'templates', 'replies', 'password-reset.md'), 'utf8')).toContain("Sorry you're locked out.");
    expect(ok(['canned', 'render', 'password-reset', '--ticket', String(ticket)]).stdout).toContain('Sorry about that!');
  });

  it('an edit that breaks the front matter is refused and nothing is overwritten', () => {
    const before = readFileSync(join(desk.dir, 'templates', 'replies', 'vip-hello.md'), 'utf8');
    const breaker = script('break.sh', 'printf -- "---\\ntags: [oops\\n---\\nx\\n" > "$1"');
    const r = desk.run(['canned', 'edit', 'vip-hello'], { env: { EDITOR: breaker } });
    expect(r.code).toBe(2);
    expect(readFileSync(join(desk.dir, 'templates', 'replies', 'vip-hello.md'), 'utf8')).toBe(before);
  });

  it('rm removes the team’s replies only; desk’s starter version applies again', () => {
    ok(['canned', 'rm', 'password-reset']);
    expect(existsSync(join(desk.dir, 'templates', 'replies', 'password-reset.md'))).toBe(false);
    expect(ok(['canned', 'render', 'password-reset', '--ticket', String(ticket)]).stdout).toContain("Sorry you're locked out.");
    expect(desk.run(['canned', 'rm', 'password-reset']).code).toBe(2);
    ok(['canned', 'rm', 'vip-hello']);
    expect(desk.run(['canned', 'show', 'vip-hello']).code).toBe(3);
  });
});
