// Renders a canned reply's body with liquidjs, locked down: a template is data written by agents,
// and must not be able to read files (include/render/layout are refused, and the engine gets a
// file system that has nothing in it), run code, or run away with time or memory. Variables are
// strict: one that does not resolve stops the reply before anything is queued or sent, and the
// error names it. `lenientIf` keeps `{{ x | default: "there" }}` and `{% if x %}` working for
// values that may be absent (liquidjs exempts exactly those two places from strictVariables).
import { Liquid, Tag, type TagToken, type TopLevelToken } from 'liquidjs';
import { UsageError } from '../../errors.js';
import { VARIABLE_NAMES, type ReplyVariables } from './variables.js';

const REFUSED_TAGS = ['include', 'render', 'layout'] as const;

class RefusedTag extends Tag {
  constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid) {
    super(token, remain, liquid);
    throw new Error(`the {% ${token.name} %} tag is not available in canned replies`);
  }
  *render(): Generator<unknown, void, unknown> {}
}

const NO_FILES = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async (): Promise<string> => {
    throw new Error('canned replies cannot read files');
  },
  readFileSync: (): string => {
    throw new Error('canned replies cannot read files');
  },
  resolve: (_root: string, file: string) => file,
  contains: async () => false,
  containsSync: () => false,
  sep: '/',
};

function createEngine(): Liquid {
  const engine = new Liquid({
    strictVariables: true,
    strictFilters: true,
    lenientIf: true,
    ownPropertyOnly: true,
    fs: NO_FILES,
    root: [],
    partials: [],
    layouts: [],
    relativeReference: false,
    // Generous for a reply, tight for a loop meant to hang the agent's terminal.
    parseLimit: 200_000,
    renderLimit: 2_000,
    memoryLimit: 20_000_000,
  });
  for (const tag of REFUSED_TAGS) engine.registerTag(tag, RefusedTag);
  return engine;
}

let engine: Liquid | undefined;

/**
 * The body with its variables filled in. Throws UsageError naming the canned reply and the
 * variable that does not resolve, or the line of a template error.
 */
export async function renderCanned(name: string, body: string, variables: ReplyVariables): Promise<string> {
  return renderTemplate(`canned reply '${name}'`, body, variables);
}

/**
 * Any text of replies written in Liquid (a canned reply, a signature), locked down the same way.
 * `what` names it in errors ("canned reply 'x'", "the signature of queue billing").
 */
export async function renderTemplate(what: string, body: string, variables: ReplyVariables): Promise<string> {
  engine ??= createEngine();
  try {
    return await engine.parseAndRender(body, variables as unknown as Record<string, unknown>);
  } catch (err) {
    const e = err as Error & { name: string };
    const unresolved = /undefined variable: ([^,\s]+)/.exec(e.message);
    if (unresolved) {
      throw new UsageError(
        `${what}: the variable {{${unresolved[1]}}} does not resolve for this ticket; nothing was sent`,
        `available: ${VARIABLE_NAMES.join(', ')}; for an optional value write {{${unresolved[1]} | default: "…"}}`,
      );
    }
    throw new UsageError(`${what}: ${e.message}`);
  }
}
