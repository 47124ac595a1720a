// Builds the outgoing MIME message of a reply: our address to the requester, a subject carrying
// the ticket tag, threading headers chained from the ticket's messages, and a Message-ID that
// names the ticket so the customer's answer threads back (the sync side relies on this).
//
// Every header value passes through here, and much of it came from outside (subjects and names
// in the customer's mail, Message-IDs their client chose). CR, LF or any other control character
// must never turn into an extra header, so single-line text is flattened, addresses and
// Message-IDs are validated (a bad address is refused, a bad Message-ID is dropped), and the
// message is then built by nodemailer, which encodes what remains.
import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { UsageError } from '../errors.js';
import { ourMessageId } from '../domain/threading.js';
import { isPlainAddress } from '../domain/cc.js';
import type { Message } from '../domain/types.js';

export interface MailAddress {
  address: string;
  name?: string | null;
}

export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType?: string;
  /** Content-ID of an image the HTML shows (`<img src="cid:…">`): sent inline, not as a download */
  cid?: string;
}

export interface OutgoingMail {
  from: MailAddress;
  to: MailAddress;
  /** Copied: in the Cc header and the envelope. */
  cc?: MailAddress[];
  /** Blind copies: in the envelope only, never in a header. */
  bcc?: string[];
  /** The full subject line (see replySubject). */
  subject: string;
  text: string;
  html?: string | null;
  messageId: string;
  inReplyTo?: string | null;
  references?: string[];
  /** The Date header: when the reply was written and queued, fixed so that a resend is identical. */
  date: Date;
  /** An automatic reply (RFC 3834): Auto-Submitted: auto-replied, and asks other robots not to answer. */
  autoReply?: boolean;
  attachments?: MailAttachment[];
}

export interface ComposedMail {
  raw: Buffer;
  envelope: { from: string; to: string[] };
  messageId: string;
}

// C0 and C1 controls, DEL, and the Unicode line/paragraph separators some parsers treat as newlines.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** One line of header text: every control (CR and LF included) becomes a space, runs collapse. */
export function headerText(s: string | null | undefined): string {
  return String(s ?? '')
    .replace(CONTROLS, ' ')
    .replace(BIDI, '')
    .replace(/\s+/g, ' ')
    .trim();
}

// A deliberately plain address syntax: no comments, no quoted local parts, no spaces or controls.
// Anything fancier in a ticket's requester is far more likely an attack than a customer.
// (The one definition is the CC list's, src/domain/cc.ts: what it keeps is what can be sent.)
export function isValidAddress(s: string): boolean {
  return isPlainAddress(s);
}

/** The address as given, or a UsageError naming the field (nothing is sent to a dubious address). */
export function checkedAddress(s: string | null | undefined, field: string): string {
  const v = String(s ?? '').trim();
  if (!isValidAddress(v)) throw new UsageError(`invalid e-mail address in ${field}: ${JSON.stringify(v)}`);
  return v;
}

const MESSAGE_ID = /^<[^<>\s\p{C}@]+@[^<>\s\p{C}@]+>$/u;

export function isValidMessageId(s: string | null | undefined): s is string {
  return typeof s === 'string' && s.length <= 998 && MESSAGE_ID.test(s);
}

/** A Message-ID in angle brackets, or null when it is not one (dropped rather than trusted). */
export function normalMessageId(s: string | null | undefined): string | null {
  if (typeof s !== 'string') return null;
  const t = s.trim();
  const bracketed = t.startsWith('<') ? t : `<${t}>`;
  return isValidMessageId(bracketed) ? bracketed : null;
}

// ---- Message-ID ---------------------------------------------------------------------------

/**
 * A fresh Message-ID for a reply on a ticket, in the form src/domain/threading.ts defines and
 * recognises (`<desk.TICKETID.RANDOM@DOMAIN>`), on the domain of our From address. The ticket id
 * in it lets the sync side thread a customer's answer even when their client dropped the tag.
 */
export function replyMessageId(ticketId: number, fromAddress: string, random = randomBytes(8).toString('hex')): string {
  const host = domainOf(headerText(fromAddress)).toLowerCase().replace(/[^a-z0-9.-]/g, '') || 'desk.invalid';
  return ourMessageId(ticketId, host, random);
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

// ---- subject --------------------------------------------------------------------------------

// Reply prefixes of the common mail clients (English, German, Nordic, Dutch, Polish, Italian).
const REPLY_PREFIX = /^(?:re|aw|sv|antw|odp|rif|r)(?:\[\d+\]|\(\d+\))?\s*:\s*/i;

/** `Re: [#ID] original subject`: one Re:, one tag for this ticket, whatever the thread did to it. */
export function replySubject(original: string | null | undefined, ticketId: number): string {
  const tag = `[#${ticketId}]`;
  const ownTag = new RegExp(`\\[#${ticketId}\\]\\s*`, 'g');
  let rest = headerText(original).replace(ownTag, '');
  for (let prev = ''; prev !== rest; ) {
    prev = rest;
    rest = rest.replace(REPLY_PREFIX, '').replace(ownTag, '').trim();
  }
  return rest ? `Re: ${tag} ${rest}` : `Re: ${tag}`;
}

// ---- threading --------------------------------------------------------------------------------

/** References are trimmed to the first and the most recent ids, as RFC 5322 allows, so a long
 *  ticket does not grow an unbounded header. */
const MAX_REFERENCES = 20;

export interface Threading {
  inReplyTo: string | null;
  references: string[];
}

/**
 * In-Reply-To: the customer's most recent message. References: that message's own References,
 * then every message of the ticket in date order, ending with the one we answer, so the reply
 * threads in the customer's client whichever of them it keys on.
 */
export function threadingFor(messages: readonly Message[]): Threading {
  const byDate = [...messages].sort((a, b) => a.date.localeCompare(b.date));
  const customer = byDate.filter((m) => m.direction === 'in' && !m.auto && normalMessageId(m.message_id));
  const parent = customer[customer.length - 1];
  const inReplyTo = parent ? normalMessageId(parent.message_id) : null;

  const chain: string[] = [];
  const add = (id: string | null | undefined) => {
    const n = normalMessageId(id);
    if (n && !chain.includes(n)) chain.push(n);
  };
  for (const r of parent?.references ?? []) add(r);
  for (const m of byDate) if (m !== parent) add(m.message_id);
  if (inReplyTo) {
    const at = chain.indexOf(inReplyTo);
    if (at >= 0) chain.splice(at, 1);
    chain.push(inReplyTo);
  }
  const references = chain.length > MAX_REFERENCES ? [chain[0]!, ...chain.slice(-(MAX_REFERENCES - 1))] : chain;
  return { inReplyTo, references };
}

// ---- MIME ---------------------------------------------------------------------------------------

function mailAddress(a: MailAddress, field: string): Mail.Address {
  return { address: checkedAddress(a.address, field), name: headerText(a.name) };
}

function buildOptions(mail: OutgoingMail): Mail.Options {
  const messageId = normalMessageId(mail.messageId);
  if (!messageId) throw new UsageError(`invalid Message-ID ${JSON.stringify(mail.messageId)}`);
  const references = (mail.references ?? []).map(normalMessageId).filter((r): r is string => r !== null);
  const headers: Record<string, string> = {};
  if (mail.autoReply) {
    headers['Auto-Submitted'] = 'auto-replied';
    headers['X-Auto-Response-Suppress'] = 'All'; // keeps Exchange out-of-office replies from looping
  }
  return {
    from: mailAddress(mail.from, 'From'),
    to: [mailAddress(mail.to, 'To')],
    ...(mail.cc?.length ? { cc: mail.cc.map((a) => mailAddress(a, 'Cc')) } : {}),
    ...(mail.bcc?.length ? { bcc: mail.bcc.map((a) => checkedAddress(a, 'Bcc')) } : {}),
    subject: headerText(mail.subject),
    text: mail.text,
    ...(mail.html ? { html: mail.html } : {}),
    messageId,
    ...(normalMessageId(mail.inReplyTo) ? { inReplyTo: normalMessageId(mail.inReplyTo)! } : {}),
    ...(references.length ? { references } : {}),
    date: mail.date,
    headers,
    attachments: (mail.attachments ?? []).map((a) => ({
      filename: headerText(a.filename),
      content: a.content,
      ...(a.contentType ? { contentType: headerText(a.contentType) } : {}),
      ...(a.cid ? { cid: headerText(a.cid) } : {}),
    })),
    // Nothing in a reply may make the composer read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** The finished message, byte for byte what goes over SMTP (and what a resend sends again). */
export async function composeMail(mail: OutgoingMail): Promise<ComposedMail> {
  const options = buildOptions(mail);
  const node = new MailComposer(options).compile();
  const raw = await node.build();
  const envelope = node.getEnvelope();
  return {
    raw,
    envelope: { from: String(envelope.from), to: envelope.to.map(String) },
    messageId: options.messageId!,
  };
}
