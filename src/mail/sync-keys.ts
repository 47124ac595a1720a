// Identity of a synced message, independent of its UID: what makes "exactly once" hold across
// interrupted runs, UIDVALIDITY resets and the same mail arriving in two synced mailboxes.
import { createHash } from 'node:crypto';

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Header fields that servers add on the way in (trace and filtering), not the sender. The same
 * message delivered to support@ and to bill@ differs only in these, and it is one message.
 */
const TRANSIT_HEADERS = new Set([
  'received', 'x-received', 'return-path', 'delivered-to', 'x-original-to', 'x-delivered-to',
  'envelope-to', 'x-envelope-to', 'authentication-results', 'arc-seal', 'arc-message-signature',
  'arc-authentication-results', 'received-spf', 'x-spam-status', 'x-spam-score', 'x-spam-level',
  'x-spam-flag', 'x-spam-checker-version', 'x-virus-scanned', 'x-virus-status', 'x-rspamd-queue-id',
  'x-rspamd-server', 'x-rspamd-action', 'x-uid', 'status', 'x-status', 'x-keywords', 'content-length', 'lines',
]);

/** Offset of the blank line that ends the header section, and the body start (-1/-1: none). */
function headerEnd(raw: Buffer): { end: number; body: number } {
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0x0a) continue;
    if (raw[i + 1] === 0x0a) return { end: i + 1, body: i + 2 };
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return { end: i + 1, body: i + 3 };
  }
  return { end: raw.length, body: raw.length };
}

/**
 * sha256 of what the sender wrote: header fields minus TRANSIT_HEADERS, and the body, with
 * line ends normalised (servers store LF and serve CRLF, or the other way round).
 */
export function contentSha256(raw: Buffer): string {
  const { end, body } = headerEnd(raw);
  const head = raw.subarray(0, end).toString('latin1').replace(/\r\n/g, '\n');
  const hash = createHash('sha256');
  let keep = true;
  for (const line of head.split('\n')) {
    if (line === '') continue;
    if (line[0] !== ' ' && line[0] !== '\t') {
      const colon = line.indexOf(':');
      const name = (colon > 0 ? line.slice(0, colon) : line).trim().toLowerCase();
      keep = !TRANSIT_HEADERS.has(name);
    }
    if (keep) hash.update(line + '\n', 'latin1');
  }
  hash.update('\n');
  // Body: CRLF → LF without decoding (the bytes may be in any charset).
  const rest = raw.subarray(body);
  let from = 0;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === 0x0d && rest[i + 1] === 0x0a) {
      hash.update(rest.subarray(from, i));
      from = i + 1;
    }
  }
  hash.update(rest.subarray(from));
  return hash.digest('hex');
}

/**
 * The dedupe key: Message-ID plus content hash, so a Message-ID reused for different content
 * (some senders do) is kept; a message without Message-ID is keyed by its hash alone.
 */
export function dedupeKey(messageId: string | null | undefined, contentHash: string): string {
  return messageId ? `${messageId} ${contentHash}` : `hash:${contentHash}`;
}

/** Stable stand-in Message-ID for mail that has none, derived from its content. */
export function syntheticMessageId(contentHash: string): string {
  return `<nomid.${contentHash.slice(0, 32)}@desk.invalid>`;
}
