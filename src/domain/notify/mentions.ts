// `@name` in a note: which agents it mentions. Pure; linear in the text (one pass of a
// linear pattern). A name is resolved against the desk's agents (exactly, else ignoring case
// when that names one agent); anything else stays text.

/** An @ that starts a word (not the middle of an address like ana@example.com), then a name. */
const MENTION = /@([\w.-]{1,64})/g;
const WORD_CHAR = /[\w.@-]/;

/** The distinct agent names a text mentions, in the order first mentioned. */
export function mentionedAgents(text: string, agents: readonly string[]): string[] {
  if (!text.includes('@') || agents.length === 0) return [];
  const exact = new Set(agents);
  const folded = new Map<string, string | null>();
  for (const a of agents) {
    const k = a.toLowerCase();
    folded.set(k, folded.has(k) ? null : a); // two agents differing only by case: no guess
  }
  const out: string[] = [];
  for (const m of text.matchAll(MENTION)) {
    const at = m.index;
    if (at > 0 && WORD_CHAR.test(text[at - 1]!)) continue;
    // A sentence may end right after the name ("ask @ana."): try the name without trailing dots/dashes too.
    let name = m[1]!;
    let found: string | null | undefined;
    for (;;) {
      found = exact.has(name) ? name : folded.get(name.toLowerCase());
      if (found || !/[.-]$/.test(name)) break;
      name = name.slice(0, -1);
    }
    if (found && !out.includes(found)) out.push(found);
  }
  return out;
}
