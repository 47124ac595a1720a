// Per-message work of the sync that needs no database: parse, classify, and put attachment
// content under the data dir. Done before the batch's write transaction so the database lock is
// held only for the inserts. A message that cannot be read becomes a quarantine item here, with
// the reason; nothing thrown by one message reaches the rest of the batch. A local fault (the
// attachment directory cannot be written) is not the message's: it is thrown and fails the batch.
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createHash } from 'node:crypto';
import { safeAttachmentPath } from './attachment-path.js';
import { dedupeKey } from './sync-key.js';
import { classifyAutomatic, reportedMessageId } from './classify.js';
import { contentHash, MailParseError, parseMessage, storedMessageId, type ParsedMail } from './parse.js';
import { LocalFaultError } from '../errors.js';
import { describeFault } from './local-fault.js';

/** A message ready to store. */
export interface PreparedMail {
  kind: 'mail';
  uid: number;
  raw: Buffer;
  parsed: ParsedMail;
  /**
   * dedupe key: the stored Message-ID + the content hash. A Message-ID reused for different
   * content is a different key (kept); mail without Message-ID gets a stand-in id derived from
   * its content hash, so it is keyed by the hash alone.
   */
  key: string;
  /** Message-ID to store (a stable stand-in when the message has none) */
  messageId: string;
  /** when the server got it (INTERNALDATE, never later than now): the ticket's arrival time */
  receivedAt: string;
  /** why it is automatic (auto-reply, bounce, list…), else null */
  auto: string | null;
  /** for bounces that quote the original rather than attach it */
  reportedMessageId: string | null;
  /** sent from one of our own addresses */
  fromUs: boolean;
  /** stored attachment files (relative to the data dir), in the order of parsed.attachments */
  attachmentPaths: string[];
  /** set on replay: the quarantine row this came from */
  quarantineId?: number;
}

/** A message that could not be read: stored raw with the reason, retried by --replay. */
export interface QuarantineItem {
  kind: 'quarantine';
  uid: number;
  raw: Buffer;
  rawSha256: string;
  contentSha256: string;
  receivedAt: string;
  reason: string;
  quarantineId?: number;
}

export type PreparedItem = PreparedMail | QuarantineItem;

export interface PrepareContext {
  dataDir: string;
  /** lowercased addresses that are ours (accounts' `address`, SMTP from) */
  ourAddresses: ReadonlySet<string>;
  now: Date;
}


let tmpSeq = 0;

/**
 * Writes content to its content-addressed path once; concurrent or repeated writes are harmless.
 * Synchronous on purpose: thousands of small files go faster without a thread-pool round trip each.
 */
function storeFile(absolute: string, content: Buffer): void {
  if (hasSize(absolute, content.length)) return;
  mkdirSync(dirname(absolute), { recursive: true });
  // Write then rename: a crash never leaves a half-written file under the final name, and two
  // writers of the same content (two processes) each rename a complete file.
  const tmp = `${absolute}.${process.pid}.${++tmpSeq}.tmp`;
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, absolute);
  } catch (err) {
    // A full disk leaves a partial temp file: never leave it behind.
    rmSync(tmp, { force: true });
    if (!hasSize(absolute, content.length)) throw err;
  }
}

function hasSize(file: string, size: number): boolean {
  try {
    return statSync(file).size === size;
  } catch {
    return false;
  }
}

function quarantine(uid: number, raw: Buffer, receivedAt: string, reason: string): QuarantineItem {
  return {
    kind: 'quarantine', uid, raw, receivedAt, reason,
    rawSha256: createHash('sha256').update(raw).digest('hex'),
    contentSha256: contentHash(raw),
  };
}

/**
 * Parses and classifies one fetched message and stores its attachments' content. Mail that cannot
 * be read becomes a quarantine item; only a local fault (LocalFaultError) is thrown.
 */
export async function prepareMessage(
  uid: number,
  raw: Buffer,
  receivedAt: string,
  ctx: PrepareContext,
): Promise<PreparedItem> {
  let parsed: ParsedMail;
  try {
    parsed = await parseMessage(raw, { fallbackDate: receivedAt });
  } catch (err) {
    const reason = err instanceof MailParseError ? err.reason : `parser failed: ${(err as Error)?.message ?? String(err)}`;
    return quarantine(uid, raw, receivedAt, reason);
  }
  try {
    const fromUs = ctx.ourAddresses.has(parsed.from.email.toLowerCase());
    const classification = classifyAutomatic(parsed);
    const attachmentPaths: string[] = [];
    for (const a of parsed.attachments) {
      const p = safeAttachmentPath(ctx.dataDir, a.sha256, a.filename);
      try {
        storeFile(p.absolute, a.content);
      } catch (err) {
        // The path is ours (content hash, sanitised name): a write that fails is this machine's
        // fault (full disk, permission, a file where a directory belongs), never the message's.
        throw new LocalFaultError(`could not write an attachment under ${ctx.dataDir}: ${describeFault(err)}`);
      }
      attachmentPaths.push(p.relative);
    }
    // The content is on disk now; drop it so a batch of big attachments is not held in memory.
    for (const a of parsed.attachments) a.content = Buffer.alloc(0);
    return {
      kind: 'mail',
      uid,
      raw,
      parsed,
      key: dedupeKey(storedMessageId(parsed), parsed.content_sha256),
      messageId: storedMessageId(parsed),
      receivedAt,
      auto: fromUs ? null : classification.reason,
      reportedMessageId: reportedMessageId(parsed),
      fromUs,
      attachmentPaths,
    };
  } catch (err) {
    if (err instanceof LocalFaultError) throw err;
    return quarantine(uid, raw, receivedAt, `could not be stored: ${(err as Error)?.message ?? String(err)}`);
  }
}
