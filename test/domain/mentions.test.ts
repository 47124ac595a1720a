// Which agents a note mentions, for every shape of text: generated notes mixing real and unknown
// names, addresses, punctuation, control and bidi characters, case changes. A name counts only as
// a whole @word of a known agent; the result is the same whatever surrounds it; and the work is
// linear in the text (a long hostile note takes no longer than its length says).
import { describe, expect, it } from '@jest/globals';
import { mentionedAgents } from '../../src/domain/notify/mentions.js';
import { createRng } from '../helpers/mailgen.js';
import { timesALinearPass } from '../helpers/linear-time.js';

const AGENTS = ['ana', 'ben', 'j.doe', 'li-wei', 'Ana2'];
const NOISE = [' ', ',', '.', '!', '\n', '\t', '(', ')', '\u0000', '\u001b[31m', '\u202e', 'é', '😀', 'mail', 'x@', '@', '@@', '-', '_'];

/** A note of fragments; also returns the agents it mentions by construction. */
function note(rng: ReturnType<typeof createRng>): { text: string; expected: string[] } {
  const pick = (n: number) => rng.int(0, n - 1);
  const parts: string[] = [];
  const expected: string[] = [];
  for (let i = 0, n = 1 + pick(12); i < n; i++) {
    const r = pick(6);
    if (r === 0) {
      const a = AGENTS[pick(AGENTS.length)]!;
      parts.push(' ', `@${a}`, [' ', ', ', '. ', '!', '\n', ')'][pick(6)]!);
      if (!expected.includes(a)) expected.push(a);
    } else if (r === 1) {
      parts.push(' ', `@zed${pick(100)}`, ' '); // no such agent: stays text
    } else if (r === 2) {
      parts.push(' ', `someone@${AGENTS[pick(AGENTS.length)]}.example`, ' '); // an address, not a mention
    } else {
      parts.push(NOISE[pick(NOISE.length)]!);
    }
  }
  return { text: parts.join(''), expected };
}

describe('mentionedAgents', () => {
  it('finds exactly the agents mentioned as whole @words, in order, once each, in generated notes', () => {
    const rng = createRng(19);
    for (let i = 0; i < 1000; i++) {
      const { text, expected } = note(rng);
      expect({ text, got: mentionedAgents(text, AGENTS) }).toEqual({ text, got: expected });
    }
  });

  it('takes a sentence end after the name, a name differing only in case, and leaves the author of the text to the caller', () => {
    expect(mentionedAgents('ask @ana.', AGENTS)).toEqual(['ana']);
    expect(mentionedAgents('ask @j.doe...', AGENTS)).toEqual(['j.doe']);
    expect(mentionedAgents('@BEN please', AGENTS)).toEqual(['ben']);
    expect(mentionedAgents('@ANA2 and @ana', AGENTS)).toEqual(['Ana2', 'ana']);
    expect(mentionedAgents('no mention here', AGENTS)).toEqual([]);
  });

  it('is linear in the size of a hostile note', () => {
    const n = 400_000;
    const text = '@'.repeat(n) + '@a.'.repeat(n) + `@${'.'.repeat(n)}` + `@${'a-'.repeat(32)}`.repeat(n / 64);
    // 2.4 million characters: a linear scan takes 0.05–0.12× the linear pass here; a quadratic
    // one, millions of times longer.
    const times = timesALinearPass(text, () => mentionedAgents(text, AGENTS));
    expect({ times, linear: times < 3 }).toEqual({ times, linear: true });
  });
});
