// `desk triage` outside a terminal, as a script or cron would run it by mistake.
import { tempDesk, type TempDesk } from '../../helpers/cli.js';

let desk: TempDesk;
beforeAll(() => {
  desk = tempDesk();
});
afterAll(() => desk.cleanup());

test('refuses to run without a terminal and points at desk list (exit 2)', () => {
  const r = desk.run(['triage']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('desk triage is interactive and needs a terminal');
  expect(r.stderr).toContain("desk list --sort sla");
  expect(r.stdout).toBe('');
});

test('checks its filters first, naming the flag (exit 2)', () => {
  const r = desk.run(['triage', '--tier', 'L9']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("invalid value for --tier: 'L9' (allowed: L1, L2, L3)");
});
