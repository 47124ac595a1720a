// The IMAP connection layer against a real Dovecot: what is fetched, what is never touched
// (\Seen), and how failures surface (RemoteError, exit 5, with the server's words).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RemoteError } from '../../src/errors.js';
import { openMailbox, type ImapEndpoint, type FetchedMessage } from '../../src/mail/imap.js';
import { quickStatus } from '../../src/mail/imap-status.js';
import { freePort, startCuttingProxy, startDovecot, type Dovecot, type MailUser } from '../helpers/dovecot.js';

function rawMessage(i: number, extra = ''): string {
  return [
    `From: Customer ${i} <customer${i}@example.org>`,
    'To: support@example.com',
    `Subject: Question number ${i}`,
    `Message-ID: <q${i}@example.org>`,
    'Date: Mon, 02 Mar 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Hello, this is question ${i}.${extra}`,
    '',
  ].join('\r\n');
}

async function fetchAll(ep: ImapEndpoint, afterUid = 0, batch = 7): Promise<FetchedMessage[]> {
  const mb = await openMailbox(ep);
  try {
    const out: FetchedMessage[] = [];
    for await (const b of mb.fetchAfter(afterUid, batch)) out.push(...b.messages);
    return out;
  } finally {
    await mb.close();
  }
}

let dovecot: Dovecot;
let login: MailUser;
let endpoint: ImapEndpoint;

beforeAll(async () => {
  dovecot = await startDovecot();
  login = await dovecot.addUser('support@example.com', 'pa"ss\\word-1');
  endpoint = {
    name: 'support',
    host: dovecot.host,
    port: dovecot.port,
    secure: false,
    user: login.user,
    password: login.password,
    mailbox: 'INBOX',
  };
});

afterAll(async () => {
  await dovecot?.stop();
});

describe('fetching', () => {
  it('returns every message oldest first, across batches, with its exact bytes', async () => {
    const raws = Array.from({ length: 20 }, (_, i) => rawMessage(i + 1));
    await dovecot.deliver(login.user, raws);
    const got = await fetchAll(endpoint);
    expect(got.map((m) => m.uid)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(got[4]!.raw.toString()).toBe(raws[4]);
    expect(got[0]!.internalDate).toBeInstanceOf(Date);
  });

  it('fetches only UIDs above the last synced one', async () => {
    const got = await fetchAll(endpoint, 17);
    expect(got.map((m) => m.uid)).toEqual([18, 19, 20]);
    expect(await fetchAll(endpoint, 20)).toEqual([]);
  });

  it('reports UIDVALIDITY, UIDNEXT, the message count and HIGHESTMODSEQ', async () => {
    const mb = await openMailbox(endpoint);
    try {
      expect(mb.state.exists).toBe(20);
      expect(mb.state.uidNext).toBe(21);
      expect(mb.state.uidValidity).toMatch(/^\d+$/);
      expect(mb.condstore).toBe(true);
    } finally {
      await mb.close();
    }
  });

  it('never marks mail as read, and fetches mail that was already read', async () => {
    await dovecot.deliver(login.user, [rawMessage(21)], { seen: true });
    const got = await fetchAll(endpoint, 20);
    expect(got.map((m) => m.uid)).toEqual([21]);

    const c = await dovecot.client(login);
    try {
      await c.mailboxOpen('INBOX', { readOnly: true });
      const seen: number[] = [];
      for await (const m of c.fetch('1:*', { uid: true, flags: true }, { uid: true })) {
        if (m.flags?.has('\\Seen')) seen.push(m.uid);
      }
      expect(seen).toEqual([21]);
    } finally {
      await c.logout();
    }
  });

  it('sees a new UIDVALIDITY after the server forgets its UIDs', async () => {
    const before = await openMailbox(endpoint);
    const oldValidity = before.state.uidValidity;
    await before.close();
    await dovecot.resetUidValidity(login.user);
    const after = await openMailbox(endpoint);
    try {
      expect(after.state.uidValidity).not.toBe(oldValidity);
      expect(after.state.exists).toBe(21);
    } finally {
      await after.close();
    }
  });
});

describe('the quick "anything new?" check', () => {
  it('tells what EXAMINE tells, over a bare LOGIN + STATUS', async () => {
    const lines: string[] = [];
    const quick = await quickStatus(endpoint, { log: (l) => lines.push(l) });
    const mb = await openMailbox(endpoint);
    try {
      expect(quick).toEqual(mb.state);
    } finally {
      await mb.close();
    }
    expect(lines.join('')).toMatch(/C: q\d+ STATUS "INBOX" \(MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ\)/);
    expect(lines.join('')).not.toContain(login.password.replace(/(["\\])/g, '\\$1'));
  });

  it('a wrong password is a RemoteError with the server words, like the full client', async () => {
    const err = await quickStatus({ ...endpoint, password: 'wrong' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as Error).message).toMatch(/refused login for support@example\.com: .*Authentication failed/i);
  });

  it('gives up (null) rather than guess when the mailbox is unknown', async () => {
    expect(await quickStatus({ ...endpoint, mailbox: 'Nope' })).toBeNull();
  });
});

describe('failures', () => {
  it('a wrong password is a RemoteError with the server words', async () => {
    const err = await openMailbox({ ...endpoint, password: 'wrong' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).exitCode).toBe(5);
    expect((err as RemoteError).message).toMatch(/refused login for support@example\.com: .*Authentication failed/i);
    expect((err as RemoteError).message).not.toContain('wrong');
  });

  it('an unreachable server is a RemoteError naming host and port', async () => {
    const port = await freePort();
    const err = await openMailbox({ ...endpoint, port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('a missing mailbox is a RemoteError naming it', async () => {
    const err = await openMailbox({ ...endpoint, mailbox: 'Nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as Error).message).toMatch(/mailbox Nope/);
  });

  it('a connection dropped mid-fetch fails the fetch instead of ending it early', async () => {
    // Enough mail that the cut lands inside the FETCH response, after login and EXAMINE.
    const big = Array.from({ length: 40 }, (_, i) => rawMessage(100 + i, ' padding'.repeat(400)));
    await dovecot.deliver(login.user, big);
    const proxy = await startCuttingProxy(dovecot, 60_000);
    try {
      const err = await fetchAll({ ...endpoint, port: proxy.port }, 0, 500).catch((e: unknown) => e);
      expect(proxy.cuts()).toBe(1);
      expect(err).toBeInstanceOf(RemoteError);
      expect((err as Error).message).toMatch(/fetching UIDs/);
    } finally {
      await proxy.close();
    }
  });
});

describe('verbose protocol log', () => {
  it('goes to the given sink with the password masked', async () => {
    const lines: string[] = [];
    const mb = await openMailbox(endpoint, { log: (l) => lines.push(l) });
    await mb.close();
    const text = lines.join('');
    expect(text).toMatch(/C: .*LOGIN|AUTHENTICATE/);
    expect(text).toMatch(/S: /);
    expect(text).not.toContain(login.password);
    expect(text).not.toContain(Buffer.from(`\0${login.user}\0${login.password}`).toString('base64'));
  });
});
