// Message identity for dedupe: stable across servers' line endings and delivery headers,
// different as soon as what the sender wrote differs.
import { describe, expect, it } from '@jest/globals';
import { contentSha256, dedupeKey, syntheticMessageId } from '../../src/mail/sync-keys.js';

const body = 'Hello,\r\n\r\nthe export fails.\r\n';
const headers = 'From: a@example.org\r\nTo: support@example.com\r\nSubject: Export\r\nMessage-ID: <m1@example.org>\r\n';
const crlf = Buffer.from(headers + '\r\n' + body);

describe('contentSha256', () => {
  it('ignores CRLF versus LF line ends', () => {
    const lf = Buffer.from((headers + '\r\n' + body).replace(/\r\n/g, '\n'));
    expect(contentSha256(lf)).toBe(contentSha256(crlf));
  });

  it('ignores delivery trace headers, including folded ones', () => {
    const delivered = Buffer.from(
      'Return-Path: <a@example.org>\r\nDelivered-To: billing@example.com\r\nReceived: from mx by mail\r\n\tid 123; Mon, 2 Mar 2026\r\n' +
        headers + '\r\n' + body,
    );
    expect(contentSha256(delivered)).toBe(contentSha256(crlf));
  });

  it('changes when the body changes', () => {
    const other = Buffer.from(headers + '\r\n' + body.replace('fails', 'works'));
    expect(contentSha256(other)).not.toBe(contentSha256(crlf));
  });

  it('changes when a sender header changes', () => {
    const other = Buffer.from(headers.replace('Subject: Export', 'Subject: Import') + '\r\n' + body);
    expect(contentSha256(other)).not.toBe(contentSha256(crlf));
  });

  it('handles a message that is all headers', () => {
    expect(contentSha256(Buffer.from('Subject: x\r\n'))).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('dedupeKey', () => {
  it('combines Message-ID and hash, or uses the hash alone', () => {
    expect(dedupeKey('<a@b>', 'ff')).toBe('<a@b> ff');
    expect(dedupeKey(null, 'ff')).toBe('hash:ff');
  });

  it('gives mail without Message-ID a stable stand-in id', () => {
    const h = contentSha256(crlf);
    expect(syntheticMessageId(h)).toBe(syntheticMessageId(h));
    expect(syntheticMessageId(h)).toMatch(/^<nomid\.[0-9a-f]{32}@desk\.invalid>$/);
  });
});
