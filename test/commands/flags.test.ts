// parseFlags: a command's declared flags and its options spec must name the same options.
import { Command } from 'commander';
import { parseFlags, type FlagSpec } from '../../src/commands/flags.js';

interface Opts { from: string; tag?: string[]; json?: boolean; limit?: string }
const SPEC: FlagSpec<Opts> = { from: 'string!', tag: 'strings', json: 'boolean', limit: 'string' };

function command(configure: (c: Command) => Command, argv: string[]): Command {
  let seen: Command | undefined;
  const c = configure(new Command('probe').exitOverride()).action((_o, cmd: Command) => void (seen = cmd));
  c.parse(argv, { from: 'user' });
  return seen!;
}

const declared = (c: Command) => c
  .requiredOption('--from <email>', '')
  .option('--tag <t>', '', (v: string, prev: string[] = []) => [...prev, v])
  .option('--json', '')
  .option('--limit <n>', '', '50');

test('the declared flags parse into the typed options, unset ones left out', () => {
  expect(parseFlags(SPEC, command(declared, ['--from', 'a@b.example', '--tag', 'x', '--tag', 'y']))).toEqual({ from: 'a@b.example', tag: ['x', 'y'], limit: '50' });
});

test('a flag declared but not in the options, or in the options but not declared, is a bug said out loud', () => {
  const extra = command((c) => declared(c).option('--force', ''), ['--from', 'a@b.example']);
  expect(() => parseFlags(SPEC, extra)).toThrow(/declared but not in its options: force/);
  const fewer = command((c) => c.requiredOption('--from <email>', '').option('--json', '').option('--limit <n>', ''), ['--from', 'a@b.example']);
  expect(() => parseFlags(SPEC, fewer)).toThrow(/in its options but not declared: tag/);
});

test('a flag of another kind than its option is a bug too', () => {
  const single = command((c) => c.requiredOption('--from <email>', '').option('--tag <t>', '').option('--json', '').option('--limit <n>', ''), ['--from', 'a@b.example', '--tag', 'x']);
  expect(() => parseFlags(SPEC, single)).toThrow(/option 'tag' of 'probe' is not a strings/);
});
