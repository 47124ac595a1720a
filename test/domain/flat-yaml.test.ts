// A config of plain `key: value` lines is read without the YAML library (start-up): whatever it
// reads must be exactly what the library reads, and anything it cannot be sure of is left to it.
import { parse } from 'yaml';
import { parseFlatYaml } from '../../src/domain/flat-yaml.js';
import { createRng } from '../helpers/mailgen.js';

const KEYS = ['db', 'agent', 'timezone', 'sla', 'rules', 'a_b', 'X1', 'on', 'true', 'null', '__proto__', 'constructor', 'k-1', '1k'];
const VALUES = [
  'UTC', 'Europe/Berlin', './sla.yaml', '../x/rules.yaml', '/var/lib/desk.db', 'postgres://desk@127.0.0.1:5432/desk', 'ana', 'a:b', 'a:', 'a::',
  'yes', 'No', 'ON', 'off', 'y', 'N', 'null', 'Null', '~', '12', '0x1F', '0o17', '1e3', '.5', '.inf', '.NaN', 'NaN', 'inf', '-x', '+1', '-', './', '..',
  'x#y', 'x #y', "'q'", '"q"', '[a]', '{a: 1}', '&a', '*a', '!t', '|', '>', '%x', '@x', '`x', 'a,b', 'a]', 'a}', 'x y', 'é', 'ünïcode', '<<', '=', '?x',
  'a\t', '', 'true', 'False', 'x:y:z', 'C:\\desk', 'a\\nb', '%', 'a%b', 'a!b', 'a&b', 'a*b', 'a|b', 'a>b', 'a@b', 'a`b', "a'b", 'a"b', 'a?b', 'a-b', 'a~b',
];
const SEPARATORS = [': ', ':  ', ':', ':\t', ' : '];
const OTHER_LINES = ['', '# comment', '  # indented comment', '\t', '---', '...', '  nested: x', '- item', 'key', '%YAML 1.2', 'a: b # trailing', '  ', '#'];

function document(rng: ReturnType<typeof createRng>): string {
  const lines: string[] = [];
  for (let n = rng.int(0, 6); n > 0; n--) {
    lines.push(rng.int(1, 5) === 1 ? rng.pick(OTHER_LINES) : `${rng.pick(KEYS)}${rng.int(1, 4) === 1 ? rng.pick(SEPARATORS) : ': '}${rng.pick(VALUES)}`);
  }
  return lines.join(rng.int(1, 6) === 1 ? '\r\n' : '\n') + rng.pick(['', '\n', '\n\n']);
}

describe('the flat config reader', () => {
  it('reads a usual config as the YAML library does', () => {
    const text = '# our desk\nsla: ./sla.yaml\ntimezone: UTC\ndb: postgres://desk@127.0.0.1:5432/desk\nagent: ana\n';
    expect(parseFlatYaml(text)).toEqual(parse(text));
  });

  it('reads what it accepts exactly as the library does, and leaves everything else to it (generated)', () => {
    const rng = createRng(2026);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const text = document(rng);
      const flat = parseFlatYaml(text);
      if (flat === undefined) continue;
      accepted++;
      let expected: unknown;
      try {
        expected = parse(text);
      } catch (err) {
        expected = `the library refuses it: ${(err as Error).message}`;
      }
      expect([text, flat]).toEqual([text, expected]);
    }
    expect(accepted).toBeGreaterThan(500); // the fast path is taken, not only refused
  });
});
