// Address and Message-ID normalisation on its own (parse.test.ts covers it inside whole messages).
import { extractMessageIds, normalizeMessageId, parseAddressList, stripComments } from '../../src/mail/addresses.js';

describe('parseAddressList', () => {
  test('lowercases addresses, keeps names, flattens groups, removes duplicates', () => {
    expect(parseAddressList('"Ana Lima" <Ana@Example.com>, team: Bo <bo@x.test>, ana@example.com;, =?UTF-8?B?SsO2cmc=?= <j@x.test>')).toEqual([
      { email: 'ana@example.com', name: 'Ana Lima' },
      { email: 'bo@x.test', name: 'Bo' },
      { email: 'j@x.test', name: 'Jörg' },
    ]);
  });

  test('old style "address (Name)" and comments inside the address', () => {
    expect(parseAddressList('jdoe@example.com (John Doe)')).toEqual([{ email: 'jdoe@example.com', name: 'John Doe' }]);
    expect(parseAddressList('John <jdoe(home)@example(dot).com>')).toEqual([{ email: 'jdoe@example.com', name: 'John' }]);
  });

  test('a quoted name with parentheses is a name, not a comment', () => {
    expect(parseAddressList('"Smith (Sales)" <s@example.com>')).toEqual([{ email: 's@example.com', name: 'Smith (Sales)' }]);
  });

  // The parser drops them. It matters for NUL most: PostgreSQL stores it as U+FFFD, so a sync
  // would look up one text and find another. (DEL is kept, and stored the same on both backends.)
  test('no C0 control character reaches an address', () => {
    const controls = [...Array(32).keys()].map((c) => String.fromCharCode(c)).filter((c) => !/\s/.test(c));
    expect(controls.length).toBeGreaterThan(25);
    for (const c of controls) {
      for (const value of [`Boss <ce${c}o@acme.example>`, `ceo@ac${c}me.example`, `${c}ceo@acme.example (Boss)`]) {
        const [address] = parseAddressList(value);
        expect(address?.email).toMatch(/^[^\u0000-\u001F]+@[^\u0000-\u001F]+$/); // eslint-disable-line no-control-regex
      }
    }
  });

  test('empty values and empty groups give nothing', () => {
    expect(parseAddressList('')).toEqual([]);
    expect(parseAddressList(null)).toEqual([]);
    expect(parseAddressList('undisclosed-recipients:;')).toEqual([]);
  });
});

describe('Message-IDs', () => {
  test('extractMessageIds ignores text around ids and repeats', () => {
    expect(extractMessageIds('<a@x> (comment) <b@x>\r\n <a@x> text')).toEqual(['<a@x>', '<b@x>']);
    expect(extractMessageIds('lonely@x')).toEqual(['<lonely@x>']);
    expect(extractMessageIds('two words')).toEqual([]);
  });

  test('control characters never survive (NUL would break PostgreSQL)', () => {
    expect(normalizeMessageId('<a\u0000b@x>')).toBe('<ab@x>');
  });

  test('stripComments keeps quoted strings and escaped parentheses', () => {
    expect(stripComments('a (b (nested)) "c (d)" e\\(f')).toBe('a  "c (d)" e\\(f');
  });
});
