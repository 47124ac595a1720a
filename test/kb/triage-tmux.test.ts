// Triage's preview suggests the articles most like the selected ticket, in a real terminal (tmux,
// 80x24): moving to another ticket changes the suggestions.
import { afterAll, expect, it } from '@jest/globals';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { triagePane } from '../helpers/tmux.js';

const pane = triagePane('kb');
const desks: TempDesk[] = [];
afterAll(() => {
  pane.close();
  desks.forEach((d) => d.cleanup());
});

function ok(desk: TempDesk, args: string[]): string {
  const r = desk.run(args);
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

it('shows the suggested articles of the selected ticket on a kb: line', async () => {
  const desk = tempDesk({ DESK_NOW: '2026-03-30T09:00:00Z', DESK_AGENT: 'ana' });
  desks.push(desk);
  ok(desk, ['kb', 'new', 'reset-password', '--title', 'Reset your password', '--public', '--body', 'The reset link arrives by mail.']);
  ok(desk, ['kb', 'new', 'export-csv', '--title', 'Export invoices', '--public', '--body', 'Export invoices from Billing.']);
  ok(desk, ['kb', 'new', 'refunds', '--title', 'Refunds policy', '--body', 'Refund invoices within 30 days.']);
  ok(desk, ['new', '--from', 'kim@example.org', '--subject', 'Password reset link', '--body', 'No reset mail.', '--priority', 'urgent']);
  ok(desk, ['new', '--from', 'lee@example.org', '--subject', 'Export of invoices', '--body', 'How do I export invoices?']);
  pane.start(desk, ['triage']);
  const first = await pane.waitFor('kb: ');
  expect(first).toMatch(/#1 Password reset link[\s\S]*kb: reset-password \(Reset your password\)/);
  pane.keys('j');
  const second = await pane.waitFor(/#2 Export of invoices[\s\S]*kb: export-csv \(Export invoices\) · refunds/);
  expect(second).not.toContain('reset-password (');
  pane.keys('q');
  await pane.waitFor('__EXIT__0');
  expect(pane.sttyRestored()).toBe(true);
});
