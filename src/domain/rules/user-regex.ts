// A lead's regular expression, compiled for a linear-time engine (RE2): matching costs time in
// proportion to the text, whatever the pattern, so a rule like `(a+)+$` cannot stall sync or hold
// the database while a hostile subject is read. What RE2 cannot promise that for (backreferences,
// lookaround) is refused when the rules file is loaded, with the reason.
import { RE2JS } from 're2js';

/** Flags a lead may write after `/pattern/`; `g`, `y` and `d` mean nothing for a yes/no match. */
const FLAG_BITS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL, u: 0, g: 0, y: 0, d: 0 };

export class UserRegexError extends Error {}

/**
 * JavaScript escapes RE2 spells differently: `\uXXXX` and `\u{X…}` become `\x{…}`. Everything
 * else is passed through; one pass over the pattern.
 */
function translateEscapes(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c !== '\\' || i + 1 >= pattern.length) {
      out += c;
      continue;
    }
    const next = pattern[i + 1]!;
    if (next === 'u') {
      const four = /^[0-9a-fA-F]{4}/.exec(pattern.slice(i + 2, i + 6));
      const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(pattern.slice(i + 2, i + 10));
      if (four) {
        out += `\\x{${four[0]}}`;
        i += 5;
        continue;
      }
      if (braced) {
        out += `\\x{${braced[1]}}`;
        i += 1 + braced[0].length;
        continue;
      }
    }
    out += c + next;
    i++;
  }
  return out;
}

function isValidJsRegex(source: string, flags: string): boolean {
  try {
    new RegExp(source, flags); // only checked, never run
    return true;
  } catch {
    return false;
  }
}

/** Compiles `source` with JavaScript-style `flags`; throws UserRegexError with the reason. */
export function compileUserRegex(source: string, flags: string): (text: string) => boolean {
  let bits = 0;
  for (const f of flags) {
    const bit = FLAG_BITS[f];
    if (bit === undefined) throw new UserRegexError(`flag '${f}' is not supported (use i, m or s)`);
    bits |= bit;
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(translateEscapes(source), bits);
  } catch (err) {
    const reason = (err as Error).message.replace(/^error parsing regexp: /, '');
    if (isValidJsRegex(source, flags.replace(/[^imsu]/g, ''))) {
      throw new UserRegexError(
        `${reason}: rules run on a linear-time engine (RE2 syntax: no backreferences or lookaround, ` +
          'repeats up to {1000}) so that no pattern can stall desk on hostile mail',
      );
    }
    throw new UserRegexError(reason);
  }
  return (text) => compiled.test(text);
}
