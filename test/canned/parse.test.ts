import { describe, expect, it } from '@jest/globals';
import { UsageError } from '../../src/errors.js';
import { formatCannedReply, parseCannedReply } from '../../src/domain/canned/parse.js';

const FILE = `---
name: password-reset
title: Password reset instructions
tags: [account, login]
status_after: pending
attachments: [guide.pdf]
---

Hi {{ customer.first_name | default: "there" }},

Body text.
`;

describe('parseCannedReply', () => {
  it('reads the front matter fields and keeps the body below it', () => {
    const r = parseCannedReply(FILE, 'ignored', 'password-reset.md');
    expect(r).toEqual({
      name: 'password-reset',
      title: 'Password reset instructions',
      tags: ['account', 'login'],
      statusAfter: 'pending',
      attachments: ['guide.pdf'],
      body: 'Hi {{ customer.first_name | default: "there" }},\n\nBody text.\n',
    });
  });

  it('takes the name from the file when the front matter has none, and tags written as text', () => {
    const r = parseCannedReply('---\ntitle: T\ntags: billing, refund\n---\nHello\n', 'refund', 'refund.md');
    expect(r.name).toBe('refund');
    expect(r.tags).toEqual(['billing', 'refund']);
    expect(r.statusAfter).toBeNull();
  });

  it('treats a file without front matter as all body', () => {
    const r = parseCannedReply('Just text\n', 'plain', 'plain.md');
    expect(r).toMatchObject({ name: 'plain', title: 'plain', tags: [], body: 'Just text\n' });
  });

  it('does not end the front matter at a --- inside a value', () => {
    const r = parseCannedReply('---\ntitle: a---b\n---\nBody\n', 'x', 'x.md');
    expect(r.title).toBe('a---b');
    expect(r.body).toBe('Body\n');
  });

  it('refuses a status_after outside the statuses, naming the file', () => {
    expect(() => parseCannedReply('---\nstatus_after: done\n---\nx', 'x', 'x.md')).toThrow(/x\.md: status_after 'done'/);
  });

  it('refuses names that could escape the templates directory', () => {
    expect(() => parseCannedReply('---\nname: ../../etc/passwd\n---\nx', 'x', 'x.md')).toThrow(UsageError);
  });

  it('reports broken YAML as bad input', () => {
    expect(() => parseCannedReply('---\ntags: [a\n---\nx', 'x', 'x.md')).toThrow(/x\.md: the front matter is not valid YAML/);
  });

  it('writes a file that reads back the same', () => {
    const r = parseCannedReply(FILE, 'x', 'x.md');
    expect(parseCannedReply(formatCannedReply(r), 'other', 'y.md')).toEqual(r);
  });
});
