// Agents sign as themselves: a display name and a signature, used by canned replies
// ({{ agent.name }}, {{ agent.signature }}) and below written replies, in the mail a customer gets
// (a real SMTP server in this process). Names and signatures are typed by people and mailed to
// customers, so every control character is refused with the flag named and nothing changed.
import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import { displayNameProblem, signatureProblem } from '../../src/domain/canned/signature.js';
import { tempDesk, type TempDesk, type RunResult } from '../helpers/cli.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { parseMail } from '../reply/setup.js';

let smtp: TestSmtp;
let desk: TempDesk;

beforeAll(async () => {
  smtp = await startTestSmtp();
  desk = tempDesk({ DESK_NOW: '2026-03-30T08:00:00Z', DESK_AGENT: 'ana' });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(desk.config, `smtp: { host: 127.0.0.1, port: ${smtp.port}, secure: false, from: "Example Support <support@desk.example>" }\n`);
});
afterAll(async () => {
  await smtp.close();
  desk.cleanup();
});
beforeEach(() => smtp.reset());

const run = (args: string[], env: Record<string, string> = {}, input?: string): Promise<RunResult> => desk.runAsync(args, { env, input });
async function ok(args: string[], env: Record<string, string> = {}, input?: string): Promise<string> {
  const r = await run(args, env, input);
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
const ticket = async () => JSON.parse(await ok(['new', '--from', 'joao@example.com', '--name', 'João Silva', '--subject', 'Export fails', '--json'])).id as number;
const lastMailText = async () => (await parseMail(smtp.received.at(-1)!.raw)).text ?? '';

test('canned and written replies carry the display name and signature; without them, "Best regards," and the name', async () => {
  await ok(['agent', 'add', 'ana', '--email', 'ana@desk.example', '--display-name', 'Ana Costa']);
  await ok(['agent', 'add', 'ben', '--email', 'ben@desk.example']);
  const id = await ticket();

  // A starter canned reply signs with the display name, not the login name.
  await ok(['reply', String(id), '--canned', 'need-more-info']);
  expect(await lastMailText()).toMatch(/Best regards,\nAna Costa\n?$/);
  expect(await lastMailText()).not.toMatch(/\nana\n?$/);

  // A signature of her own, from standard input, closes canned and written replies alike.
  await ok(['agent', 'set', 'ana', '--signature', '-'], {}, 'Kind regards,\r\nAna Costa\r\nExample Support · +49 30 1234567\r\n');
  await ok(['reply', String(id), '--canned', 'need-more-info']);
  expect(await lastMailText()).toMatch(/\n\nKind regards,\nAna Costa\nExample Support · \+49 30 1234567\n?$/);
  await ok(['reply', String(id), '--message', 'Fixed in 4.2.1, please update.']);
  expect(await lastMailText()).toBe('Fixed in 4.2.1, please update.\n\nKind regards,\nAna Costa\nExample Support · +49 30 1234567\n');
  // …once, when the text already ends with it; not at all with --no-signature.
  await ok(['reply', String(id), '--message', 'Done.\n\nKind regards,\nAna Costa\nExample Support · +49 30 1234567']);
  expect((await lastMailText()).match(/Kind regards/g)).toHaveLength(1);
  await ok(['reply', String(id), '--message', 'Plain.', '--no-signature']);
  expect(await lastMailText()).toBe('Plain.\n');

  // An agent with no profile signs with the login name, as before.
  await ok(['reply', String(id), '--message', 'Hello from Ben.'], { DESK_AGENT: 'ben' });
  expect(await lastMailText()).toBe('Hello from Ben.\n\nBest regards,\nben\n');

  // Clearing brings the defaults back; the list and --json show the profile.
  await ok(['agent', 'set', 'ana', '--signature', '']);
  await ok(['reply', String(id), '--message', 'Again.']);
  expect(await lastMailText()).toBe('Again.\n\nBest regards,\nAna Costa\n');
  const agents = JSON.parse(await ok(['agent', 'list', '--json']));
  expect(agents.find((a: { name: string }) => a.name === 'ana')).toMatchObject({ display_name: 'Ana Costa', signature: null });
  expect(smtp.received).toHaveLength(7);
});

// Every C0 and C1 control, DEL, line/paragraph separators and bidi overrides, at the start, middle and end.
const CONTROLS = [
  ...Array.from({ length: 0x20 }, (_, i) => i), 0x7f, ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i),
  0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
].map((c) => String.fromCodePoint(c));
const places = (c: string) => [`${c}Cleo`, `Cleo${c}Ward`, `Cleo Ward${c}`];

test('the checks refuse every control character in every place (a line break only in a signature)', () => {
  const missed: string[] = [];
  for (const c of CONTROLS) {
    for (const value of places(c)) {
      if (!displayNameProblem(value)?.includes('control character')) missed.push(`display name ${JSON.stringify(value)}`);
      if (c !== '\n' && !signatureProblem(value)?.includes('control character')) missed.push(`signature ${JSON.stringify(value)}`);
    }
  }
  expect(missed).toEqual([]);
  expect(displayNameProblem('Ana Costa')).toBeNull();
  expect(signatureProblem('Kind regards,\r\nAna Costa\nSupport')).toBeNull();
});

test('a display name or signature with a control character is refused by the CLI (exit 2, flag named), nothing changes', async () => {
  await ok(['agent', 'add', 'cleo', '--email', 'cleo@desk.example', '--display-name', 'Cleo Ward', '--signature', 'Cheers,\nCleo']);
  const before = await ok(['agent', 'list', '--json']);
  // A spread of the class through the whole CLI (the check itself sees every one above).
  const controls = CONTROLS.filter((c, i) => c !== '\0' && i % 7 === 3); // NUL cannot travel in an argument
  const bad: string[] = [];
  for (const [i, c] of controls.entries()) {
    const [value] = places(c).slice(i % 3, i % 3 + 1);
    const r = await run(['agent', 'set', 'cleo', '--display-name', value!]);
    if (r.code !== 2 || !r.stderr.includes('--display-name')) bad.push(`display name U+${c.codePointAt(0)!.toString(16)}: exit ${r.code}`);
    if (c === '\n' || c === '\r') continue; // line breaks belong in a signature
    const s = await run(['agent', 'set', 'cleo', '--signature', '-'], {}, value!);
    if (s.code !== 2 || !s.stderr.includes('--signature')) bad.push(`signature U+${c.codePointAt(0)!.toString(16)}: exit ${s.code}`);
  }
  expect(bad).toEqual([]);
  // NUL through standard input, too long, too many lines, empty display name.
  for (const [args, input] of [
    [['--signature', '-'], 'Cheers\0Cleo'], [['--display-name', 'x'.repeat(101)], ''], [['--signature', 'x'.repeat(1001)], ''],
    [['--signature', '-'], Array.from({ length: 11 }, (_, i) => `line ${i}`).join('\n')], [['--display-name', '   '], ''],
  ] as [string[], string][]) {
    const r = await run(['agent', 'set', 'cleo', ...args], {}, input);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining(args[0]!)]);
  }
  expect(await ok(['agent', 'list', '--json'])).toBe(before);
  // Refused at `agent add` too, and no agent is created.
  const r = await run(['agent', 'add', 'dora', '--email', 'dora@desk.example', '--display-name', 'Dora\x1b[31m']);
  expect(r.code).toBe(2);
  expect(JSON.parse(await ok(['agent', 'list', '--json'])).map((a: { name: string }) => a.name)).not.toContain('dora');
});
