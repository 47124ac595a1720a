// Authentication-Results (RFC 8601): what the receiving server found when it checked a
// message's DKIM signatures, SPF and DMARC. desk reads it for one question only: may mail that
// says it is from one of our own addresses be believed? So it trusts only the header its own
// receiving server added, named by that server's authserv-id (per account:
// `trustAuthResults: { authservId: mx.example.com }`), and of those only the topmost, the one
// added last: anything below it came with the message and may be forged. (RFC 8601 §5 asks the
// receiving server to remove headers that carry its own id from incoming mail.)
//
// The parser reads the header once, left to right, with no backtracking: comments (nested),
// quoted strings and escapes are consumed by a small state machine, so hostile values cost
// linear time and `dkim=pass` inside a comment or a quoted string is never a result.

export interface AuthResult {
  /** lowercased, without version: dkim, spf, dmarc… */
  method: string;
  /** lowercased: pass, fail, none… */
  result: string;
  /** lowercased property names (header.d, header.from, smtp.mailfrom…) → value as written */
  props: Map<string, string>;
}

export interface AuthResultsHeader {
  /** lowercased */
  authservId: string;
  results: AuthResult[];
}

/** Longest header value read; a real one is a few hundred bytes. */
const MAX_LENGTH = 16_384;

type Token = { kind: 'word'; text: string } | { kind: 'quoted'; text: string } | { kind: ';' | '=' | '/' };

/** Words, quoted strings and the separators ; = / — comments and whitespace dropped. One pass. */
function tokenize(value: string): Token[] | null {
  const tokens: Token[] = [];
  const n = Math.min(value.length, MAX_LENGTH);
  let i = 0;
  while (i < n) {
    const c = value[i]!;
    if (c === '(') {
      let depth = 0;
      for (; i < n; i++) {
        const d = value[i]!;
        if (d === '\\') i++;
        else if (d === '(') depth++;
        else if (d === ')' && --depth === 0) break;
      }
      if (depth !== 0) return null; // unterminated comment: the header is broken
      i++;
    } else if (c === '"') {
      let text = '';
      let closed = false;
      for (i++; i < n; i++) {
        const d = value[i]!;
        if (d === '\\') text += value[++i] ?? '';
        else if (d === '"') { closed = true; break; }
        else text += d;
      }
      if (!closed) return null;
      i++;
      tokens.push({ kind: 'quoted', text });
    } else if (c === ';' || c === '=' || c === '/') {
      tokens.push({ kind: c });
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else {
      const start = i;
      while (i < n && !' \t\r\n();="/\\'.includes(value[i]!)) i++;
      if (i === start) return null; // a stray backslash
      tokens.push({ kind: 'word', text: value.slice(start, i) });
    }
  }
  return n < value.length ? null : tokens;
}

/** One resinfo: method[/version] = result, then name=value pairs (reason, ptype.property). */
function readResult(tokens: Token[]): AuthResult | null {
  let k = 0;
  const word = () => (tokens[k]?.kind === 'word' ? (tokens[k++] as { text: string }).text : null);
  const value = () => {
    const t = tokens[k];
    if (t && (t.kind === 'word' || t.kind === 'quoted')) { k++; return t.text; }
    return null;
  };
  const method = word();
  if (!method) return null;
  if (tokens[k]?.kind === '/') {
    k++;
    if (!word()) return null;
  }
  if (tokens[k++]?.kind !== '=') return null;
  const result = word();
  if (!result) return null;
  const props = new Map<string, string>();
  while (k < tokens.length) {
    const name = word();
    if (!name || tokens[k++]?.kind !== '=') return null;
    const v = value();
    if (v === null) return null;
    const key = name.toLowerCase();
    if (!props.has(key)) props.set(key, v);
  }
  return { method: method.toLowerCase(), result: result.toLowerCase(), props };
}

/** Parses one Authentication-Results value; null when it is not one (then it is ignored). */
export function parseAuthResults(value: string): AuthResultsHeader | null {
  const tokens = tokenize(value);
  if (!tokens || tokens.length === 0) return null;
  const first = tokens[0]!;
  if (first.kind !== 'word' && first.kind !== 'quoted') return null;
  const authservId = first.text.toLowerCase();
  if (!authservId) return null;
  // Split the rest at ';' into resinfo groups (the authserv-id may be followed by a version).
  const groups: Token[][] = [];
  let k = 1;
  if (tokens[k]?.kind === 'word' && /^\d+$/.test((tokens[k] as { text: string }).text)) k++;
  if (k < tokens.length && tokens[k]!.kind !== ';') return null;
  for (; k < tokens.length; k++) {
    if (tokens[k]!.kind === ';') groups.push([]);
    else groups[groups.length - 1]!.push(tokens[k]!);
  }
  const results: AuthResult[] = [];
  for (const g of groups) {
    if (g.length === 1 && g[0]!.kind === 'word' && g[0]!.text.toLowerCase() === 'none') continue;
    const r = readResult(g);
    if (r) results.push(r);
  }
  return { authservId, results };
}

export interface TrustAuthResults {
  /** the authserv-id our receiving server writes (lowercased) */
  authservId: string;
}

export interface AuthVerdict {
  pass: boolean;
  /** one line for `desk show --why` */
  detail: string;
}

const lower = (s: string | undefined) => (s ?? '').trim().toLowerCase();

/** `d` is the domain or a parent of it (DKIM relaxed alignment), and has at least two labels. */
function aligned(domain: string, d: string): boolean {
  if (!d.includes('.') || d.startsWith('.') || d.endsWith('.')) return false;
  return domain === d || domain.endsWith(`.${d}`);
}

function domainOfIdentity(i: string): string {
  const at = i.lastIndexOf('@');
  return at < 0 ? '' : i.slice(at + 1);
}

function short(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** The topmost Authentication-Results with our server's authserv-id: the only one believed. */
export function ourAuthResults(values: readonly string[], trust: TrustAuthResults): AuthResultsHeader | null {
  for (const v of values) {
    const h = parseAuthResults(v);
    if (h && h.authservId === trust.authservId) return h;
  }
  return null;
}

/**
 * What our receiving server found for SPF, DKIM and DMARC (src/domain/spam.ts decides what that
 * means), or null when no header of its authserv-id is there (or no trust is configured): a
 * header the sender wrote decides nothing. DKIM: a pass of any signature is a pass.
 */
export function trustedFindings(values: readonly string[], trust: TrustAuthResults | null): { spf: string | null; dkim: string | null; dmarc: string | null } | null {
  if (!trust) return null;
  const ours = ourAuthResults(values, trust);
  if (!ours) return null;
  const first = (method: string) => ours.results.find((r) => r.method === method)?.result ?? null;
  const dkim = ours.results.some((r) => r.method === 'dkim' && r.result === 'pass') ? 'pass' : first('dkim');
  return { spf: first('spf'), dkim, dmarc: first('dmarc') };
}

/**
 * Does our receiving server's Authentication-Results (the topmost one with its authserv-id) show
 * a DKIM pass aligned with `domain`, or a DMARC pass for it? `values`: the message's
 * Authentication-Results field values, top first.
 */
export function authResultsVerdict(values: readonly string[], domain: string, trust: TrustAuthResults): AuthVerdict {
  const want = lower(domain);
  const ours = ourAuthResults(values, trust);
  if (!ours) return { pass: false, detail: `no Authentication-Results from ${trust.authservId}` };
  for (const r of ours.results) {
    if (r.result !== 'pass') continue;
    if (r.method === 'dmarc' && lower(r.props.get('header.from')) === want) {
      return { pass: true, detail: `Authentication-Results from ${trust.authservId}: dmarc=pass header.from=${want}` };
    }
    if (r.method === 'dkim') {
      const d = lower(r.props.get('header.d')) || domainOfIdentity(lower(r.props.get('header.i')));
      if (aligned(want, d)) return { pass: true, detail: `Authentication-Results from ${trust.authservId}: dkim=pass header.d=${d}` };
    }
  }
  const seen = ours.results
    .filter((r) => r.method === 'dkim' || r.method === 'dmarc')
    .slice(0, 4)
    .map((r) => short(`${r.method}=${r.result}${r.props.get('header.d') ? ` header.d=${r.props.get('header.d')}` : ''}${r.props.get('header.from') ? ` header.from=${r.props.get('header.from')}` : ''}`));
  return {
    pass: false,
    detail: `Authentication-Results from ${trust.authservId} shows no DKIM or DMARC pass for ${want}${seen.length ? ` (${seen.join(', ')})` : ''}`,
  };
}
