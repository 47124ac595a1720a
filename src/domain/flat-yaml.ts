// The usual agent's config is a few top-level `key: value` lines (db, agent, timezone, sla,
// rules). Such a file is read here, without loading the YAML library: that library is a sixth of
// the code every command compiles at start-up (~10 ms of `desk list`). Anything else (nesting,
// lists, quotes, flow collections, anchors, tags, trailing comments, a value YAML reads as a
// number, boolean or null, a repeated key) is left to the library: undefined.

/** `key: value`, the value a plain scalar that cannot start with a YAML indicator. */
const LINE = /^([A-Za-z_][A-Za-z0-9_]*):[ ]+([^\s#'"&*!|>%@`{}[\],?:~-][^\s#]*)$/;
/** A blank line or a comment. */
const IGNORED = /^[ \t]*(#.*)?$/;
/** Plain scalars (values, keys) that YAML 1.1 or 1.2 may read as something other than text. */
const NOT_TEXT = /^([-+.0-9]|(null|true|false|yes|no|on|off|y|n)$)/i;

export function parseFlatYaml(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let keys = 0;
  for (const line of text.split('\n')) {
    if (IGNORED.test(line)) continue;
    const m = LINE.exec(line);
    if (!m) return undefined;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === '__proto__' || NOT_TEXT.test(key) || Object.hasOwn(out, key)) return undefined;
    if (value.endsWith(':') || (NOT_TEXT.test(value) && !value.startsWith('./') && !value.startsWith('../'))) return undefined;
    out[key] = value;
    keys++;
  }
  return keys ? out : undefined;
}
