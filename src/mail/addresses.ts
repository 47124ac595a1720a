// Mail addresses and Message-IDs as they really arrive: comments, missing angle brackets, groups,
// display names that are addresses, ids with spaces or several ids in one header. Everything
// here turns such header text into the few normalised values desk stores and compares.
import { addressParser } from 'postal-mime';
import { trimChars } from '../domain/linear-text.js';

export interface MailAddress {
  /** Lowercased addr-spec (`local@domain`); a bare token (e.g. `mailer-daemon`) when it has no domain. */
  email: string;
  name: string | null;
}

/**
 * Longest Message-ID desk keeps. Longer ones are treated as absent: they are junk in practice and
 * would not fit a PostgreSQL btree index entry.
 */
export const MAX_MESSAGE_ID_LENGTH = 512;
/** References can grow without bound on long threads; the newest ancestors are at the end. */
export const MAX_REFERENCES = 100;

// C0 controls, space and DEL: never part of an id, and NUL would break PostgreSQL text.
// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007F]/g;

/** Removes RFC 5322 comments `( … )` (nested, with `\` escapes) outside quoted strings. */
export function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  let inQuote = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\' && i + 1 < value.length) {
      if (depth === 0) out += ch + value[i + 1];
      i++;
      continue;
    }
    if (depth === 0 && ch === '"') inQuote = !inQuote;
    if (!inQuote) {
      if (ch === '(') {
        depth++;
        continue;
      }
      if (ch === ')' && depth > 0) {
        depth--;
        continue;
      }
    }
    if (depth === 0) out += ch;
  }
  return out;
}

function cleanId(inner: string): string | null {
  const id = inner.replace(CONTROL_OR_SPACE, '');
  if (!id || id.length + 2 > MAX_MESSAGE_ID_LENGTH) return null;
  return `<${id}>`;
}

/**
 * Every Message-ID in a header value (In-Reply-To, References), in order, without duplicates.
 * Angle brackets delimit ids; text around them ("Your message of …") is ignored. A value without
 * brackets that is a single token (`abc@host`) is taken as one id.
 */
export function extractMessageIds(value: string | null | undefined): string[] {
  if (!value) return [];
  const text = stripComments(value);
  const ids: string[] = [];
  const bracketed = text.match(/<[^<>]*>/g);
  if (bracketed) {
    for (const token of bracketed) {
      const id = cleanId(token.slice(1, -1));
      if (id && !ids.includes(id)) ids.push(id);
    }
    return ids;
  }
  const bare = text.trim();
  if (bare && !/\s/.test(bare)) {
    const id = cleanId(bare);
    if (id) ids.push(id);
  }
  return ids;
}

/** The Message-ID of a message, as `<…>`, or null when absent or unusable. */
export function normalizeMessageId(value: string | null | undefined): string | null {
  if (!value) return null;
  const text = stripComments(value);
  const bracketed = text.match(/<([^<>]*)>/);
  if (bracketed) return cleanId(bracketed[1]);
  // Some clients omit the brackets; obsolete syntax allows folding whitespace inside the id.
  const bare = text.trim();
  if (!bare || /\s/.test(bare.replace(/(?<!\s)\s*([@.])\s*/g, '$1'))) return null;
  return cleanId(bare);
}

/** References header → ids, capped to the newest MAX_REFERENCES. */
export function extractReferences(value: string | null | undefined): string[] {
  const ids = extractMessageIds(value);
  return ids.length > MAX_REFERENCES ? ids.slice(-MAX_REFERENCES) : ids;
}

/** `local@domain` with something on both sides and no whitespace or brackets. */
export function looksLikeEmail(address: string): boolean {
  return /^[^\s@<>()]+@[^\s@<>()]+$/.test(address);
}

function cleanName(name: string | undefined | null, email: string): string | null {
  // eslint-disable-next-line no-control-regex
  const trimmed = (name ?? '').replace(/[\u0000-\u001F\u007F]/g, ' ').replace(/\s+/g, ' ').trim();
  if (!trimmed) return null;
  const unquoted = trimChars(trimmed, `"'`).trim();
  if (!unquoted) return null;
  // "From: tim@x.com concierge@x.com" yields a "name" that is really another address: not a name.
  if (looksLikeEmail(unquoted) && unquoted.toLowerCase() !== email) return null;
  if (unquoted.toLowerCase() === email) return null;
  return unquoted;
}

/** An entry of postal-mime's address parser (and of its parsed from/to/cc fields). */
export interface ParserMailbox {
  name: string;
  address?: string;
  group?: ParserMailbox[];
}

function flatten(list: ParserMailbox[]): ParserMailbox[] {
  return list.flatMap((entry) => (entry.group ? flatten(entry.group) : [entry]));
}

function toAddress(entry: ParserMailbox): MailAddress | null {
  const email = (entry.address ?? '').replace(/\s+/g, '').toLowerCase();
  if (!email || email === '<>') return null;
  return { email, name: cleanName(entry.name, email) };
}

function runParser(value: string): ParserMailbox[] {
  try {
    return addressParser(value) as ParserMailbox[];
  } catch {
    return [];
  }
}

function clean(entries: ParserMailbox[]): MailAddress[] {
  return flatten(entries)
    .map(toAddress)
    .filter((a): a is MailAddress => a !== null);
}

/**
 * Addresses from an address header (From, To, Cc, Reply-To…): groups flattened, addresses
 * lowercased, duplicates removed. `parsed` is what postal-mime already made of `value`, when the
 * caller has it (saves parsing twice). Comments inside the addr-spec (`pete(his account)@silly.test`)
 * are allowed by RFC 5322; when the parse leaves such debris, the value is parsed again without them.
 */
export function normalizeAddresses(value: string | null | undefined, parsed?: ParserMailbox[]): MailAddress[] {
  if (!value || !value.trim()) return [];
  let addresses = clean(parsed ?? runParser(value));
  if (addresses.some((a) => a.email.includes('(') || a.email.includes(')'))) {
    const withoutComments = clean(runParser(stripComments(value)));
    if (withoutComments.length) addresses = withoutComments;
  }
  const seen = new Set<string>();
  return addresses.filter((a) => (seen.has(a.email) ? false : (seen.add(a.email), true)));
}

/** An address header's value → addresses (see normalizeAddresses). */
export function parseAddressList(value: string | null | undefined): MailAddress[] {
  return normalizeAddresses(value);
}
