// A ticket's CC list: the people besides the requester who get its replies (reply-all). Kept from
// customer mail (its sender when that is not the requester, and its To and Cc), from import and
// from `desk reply --cc`; never our own addresses, never the requester, never an address desk
// would refuse to send to. Pure: the store writes the rows (src/store/writes.ts ccRows).

export interface CcPerson {
  /** lowercased addr-spec */
  email: string;
  name?: string | null;
}

export type CcSource = 'mail' | 'import' | 'reply';

export interface CcEntry extends CcPerson {
  added_at: string;
  source: CcSource;
}

// The plain address syntax desk sends to (src/mail/compose.ts uses the same): no comments, no
// quoted local parts, no spaces, brackets or controls. Anything fancier in a header is far more
// likely an attack than a customer, and is left off the list rather than mailed.
const PLAIN_ADDRESS = /^[^\s<>()[\]\\,;:"@\p{C}]+@[^\s<>()[\]\\,;:"@\p{C}]+$/u;

export function isPlainAddress(s: string): boolean {
  return s.length <= 254 && PLAIN_ADDRESS.test(s);
}

// eslint-disable-next-line no-control-regex
const NOT_IN_A_NAME = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/gu;

/** A display name as kept on the list: one line, no controls or bidi overrides, bounded. */
function cleanName(name: string | null | undefined): string | null {
  const n = String(name ?? '').replace(NOT_IN_A_NAME, ' ').replace(/\s+/g, ' ').trim();
  return n ? [...n].slice(0, 200).join('') : null;
}

/**
 * The people of `candidates` who belong on a ticket's CC list: sendable, not ours, not the
 * requester, each once (the first name seen wins).
 */
export function ccPeople(candidates: Iterable<CcPerson>, requester: string, ours: ReadonlySet<string>): CcPerson[] {
  const req = requester.trim().toLowerCase();
  const out: CcPerson[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    const email = String(c.email ?? '').trim().toLowerCase();
    if (!email || email === req || ours.has(email) || seen.has(email) || !isPlainAddress(email)) continue;
    seen.add(email);
    out.push({ email, name: cleanName(c.name) });
  }
  return out;
}

/** Addressed mail as the CC list reads it (src/mail/parse.ts ParsedMail fits). */
export interface AddressedMail {
  from: CcPerson;
  to: readonly CcPerson[];
  cc: readonly CcPerson[];
}

/**
 * Who a customer's mail on a ticket adds to its CC list: its sender when that is not the
 * requester (a colleague answering on the thread), and everyone it was sent or copied to, minus
 * our own addresses and the requester.
 */
export function ccFromMail(mail: AddressedMail, requester: string, ours: ReadonlySet<string>): CcPerson[] {
  return ccPeople([mail.from, ...mail.to, ...mail.cc], requester, ours);
}

/**
 * The recipients of a reply: To the requester; Cc the ticket's list (unless dropped) and the
 * added addresses; Bcc the blind ones not already in To or Cc. Each address once, ours never.
 */
export function replyRecipients(input: {
  requester: CcPerson;
  ticketCc: readonly CcPerson[];
  keepCc: boolean;
  addCc: readonly CcPerson[];
  bcc: readonly string[];
  ours: ReadonlySet<string>;
}): { cc: CcPerson[]; bcc: string[] } {
  const cc = ccPeople([...(input.keepCc ? input.ticketCc : []), ...input.addCc], input.requester.email, input.ours);
  const taken = new Set([input.requester.email.toLowerCase(), ...cc.map((c) => c.email)]);
  const bcc = ccPeople(input.bcc.map((email) => ({ email })), input.requester.email, input.ours)
    .map((c) => c.email)
    .filter((e) => !taken.has(e));
  return { cc, bcc };
}
