// Typed flags: each command's options type is checked against the flags it declares.
// The spec of a command is derived from its options interface (tsc rejects a spec that misses a
// field, has one too many, or gives it another kind), and parseFlags checks at run time that the
// spec names exactly the flags declared on the commander command, with values of those kinds.
// So an option the code reads but no flag sets (or a flag nothing reads) cannot slip through.
import type { Command } from 'commander';

type KindOf<V> = [V] extends [boolean] ? 'boolean' : [V] extends [string] ? 'string' : [V] extends [string | string[]] ? 'strings' : never;
type Optional<T, K extends keyof T> = {} extends Pick<T, K> ? true : false;

/** The flags of an options type T: each field a kind, with `!` for a flag commander requires. */
export type FlagSpec<T> = {
  [K in keyof T]-?: Optional<T, K> extends true ? KindOf<Exclude<T[K], undefined>> : `${KindOf<T[K]>}!`;
};

/** Options that only say how to print (read through Ctx), declared on the command all the same. */
export interface JsonFlag {
  json?: boolean;
}

type AnyKind = 'boolean' | 'string' | 'strings' | 'boolean!' | 'string!' | 'strings!';

function fits(kind: string, value: unknown): boolean {
  if (value === undefined) return !kind.endsWith('!');
  switch (kind.replace(/!$/, '')) {
    case 'boolean': return typeof value === 'boolean';
    case 'string': return typeof value === 'string';
    case 'strings': return Array.isArray(value) && value.every((v) => typeof v === 'string');
    default: return false;
  }
}

/** The parsed options of `cmd`, checked against its spec. A mismatch is a bug of desk, not of the user. */
export function parseFlags<T>(spec: FlagSpec<T>, cmd: Command): T {
  const kinds = spec as Record<string, AnyKind>;
  const declared = cmd.options.map((o) => o.attributeName());
  const unread = declared.filter((name) => !(name in kinds));
  const undeclared = Object.keys(kinds).filter((name) => !declared.includes(name));
  if (unread.length || undeclared.length) {
    throw new Error(`desk bug: the flags of '${cmd.name()}' do not match its options` +
      (unread.length ? `; declared but not in its options: ${unread.join(', ')}` : '') +
      (undeclared.length ? `; in its options but not declared: ${undeclared.join(', ')}` : ''));
  }
  const raw = cmd.opts() as Record<string, unknown>;
  for (const [name, kind] of Object.entries(kinds)) {
    if (!fits(kind, raw[name])) throw new Error(`desk bug: option '${name}' of '${cmd.name()}' is not a ${kind}`);
  }
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(kinds)) if (raw[name] !== undefined) out[name] = raw[name];
  return out as T;
}
