// Confirming "unknown" mail by searching the account's Sent folder on a real IMAP server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sentFolderOf } from '../../src/commands/outbox/sent-folder.js';
import type { Config } from '../../src/config.js';
import { flushOutbox, getOutboxEntry, outboxDb } from '../../src/mail/outbox.js';
import { queueReply } from '../../src/commands/reply/queue.js';
import { startDovecot, type Dovecot, type MailUser } from '../helpers/dovecot.js';
import { customerTicket, tempStore, type TempStore } from './setup.js';

let dovecot: Dovecot;
let login: MailUser;
let config: Config;
const ENV = 'DESK_TEST_SENT_FOLDER_PASSWORD';

function raw(messageId: string): string {
  return `From: support@desk.example\r\nTo: joao@example.com\r\nSubject: Re: [#1] hi\r\nMessage-ID: ${messageId}\r\nDate: Mon, 30 Mar 2026 08:30:00 +0000\r\n\r\nHello\r\n`;
}

beforeAll(async () => {
  dovecot = await startDovecot();
  login = await dovecot.addUser('support@desk.example', 'secret-1');
  process.env[ENV] = login.password;
  config = {
    accounts: [
      { name: 'other', host: dovecot.host, port: dovecot.port, secure: false, user: login.user, passwordEnv: ENV, address: 'other@desk.example' },
      { name: 'support', host: dovecot.host, port: dovecot.port, secure: false, user: login.user, passwordEnv: ENV, address: 'support@desk.example', sentMailbox: 'Sent' },
    ],
  };
  await dovecot.append(login, [raw('<desk.1.aaaa@desk.example>'), raw('<someone-else@desk.example>')], { mailbox: 'Sent' });
});

afterAll(async () => {
  delete process.env[ENV];
  await dovecot?.stop();
});

describe('sentFolderOf', () => {
  it('is only offered for an account that names its Sent folder', () => {
    expect(sentFolderOf({ accounts: [config.accounts![0]!] }, 'other@desk.example')).toBeNull();
    expect(sentFolderOf({}, null)).toBeNull();
  });

  it('finds a message by its Message-ID, and only that one', async () => {
    const folder = sentFolderOf(config, 'support@desk.example')!;
    try {
      expect(await folder.contains('<desk.1.aaaa@desk.example>')).toBe(true);
      expect(await folder.contains('<desk.1.bbbb@desk.example>')).toBe(false);
    } finally {
      await folder.close();
    }
  });

  it('lets a flush settle an unknown entry that did arrive, without resending it', async () => {
    const t: TempStore = await tempStore();
    try {
      const id = await customerTicket(t.store);
      const q = await queueReply(t.store, { ticketId: id, text: 'Hi\n', actor: 'ana', at: new Date('2026-03-30T08:30:00Z'), from: { address: 'support@desk.example' }, kind: 'reply' });
      await t.store.write((tx) => outboxDb(tx).updateTable('outbox').set({ state: 'unknown', attempts: 1 }).where('id', '=', q.entryId).execute());
      await dovecot.append(login, [raw(q.messageId)], { mailbox: 'Sent' });
      const folder = sentFolderOf(config, 'support@desk.example')!;
      let sends = 0;
      const report = await flushOutbox({
        store: t.store,
        now: () => new Date('2026-03-30T09:00:00Z'),
        send: async () => {
          sends += 1;
          return { kind: 'sent', response: '250' };
        },
        sentFolder: folder,
      });
      await folder.close();
      expect(report.results).toMatchObject([{ id: q.entryId, outcome: 'confirmed' }]);
      expect(sends).toBe(0);
      expect((await getOutboxEntry(t.store.db, q.entryId))!.state).toBe('sent');
    } finally {
      await t.cleanup();
    }
  });

  it('a folder it cannot log in to is an error (which a flush reports as held), never "absent"', async () => {
    process.env.DESK_TEST_WRONG_PASSWORD = 'wrong';
    try {
      const folder = sentFolderOf({ accounts: [{ ...config.accounts![1]!, passwordEnv: 'DESK_TEST_WRONG_PASSWORD' }] }, null)!;
      await expect(folder.contains('<desk.1.bbbb@desk.example>')).rejects.toThrow(/cannot search the Sent folder/);
      await folder.close();
    } finally {
      delete process.env.DESK_TEST_WRONG_PASSWORD;
    }
  });
});
