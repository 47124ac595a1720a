// Shared by the reply tests: a fresh store of the run's backend (test/helpers/backend.ts) with a ticket the customer wrote, and the
// delivered mail parsed back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { openStore, type Store } from '../../src/store/index.js';
import { addMessage, createTicket } from '../../src/store/repos/tickets.js';
import { freshStoreLocation } from '../helpers/backend.js';

export interface TempStore {
  dir: string;
  store: Store;
  cleanup(): Promise<void>;
}

export async function tempStore(): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'desk-reply-'));
  const store = await openStore({ location: freshStoreLocation(dir) });
  return {
    dir,
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CustomerTicket {
  subject?: string;
  email?: string;
  name?: string | null;
  /** Message-IDs of the customer's mails, oldest first */
  messageIds?: string[];
  at?: string;
}

/** A ticket opened by a customer's mail (and their follow-ups), as sync would store it. */
export async function customerTicket(store: Store, t: CustomerTicket = {}): Promise<number> {
  const at = t.at ?? '2026-03-27T14:00:00Z';
  const email = t.email ?? 'joao@example.com';
  const ids = t.messageIds ?? ['<first@mail.example.com>'];
  return store.write(async (tx) => {
    const id = await createTicket(tx, { subject: t.subject ?? 'Export fails with error 500', requester: { email, name: t.name === undefined ? 'João Silva' : t.name }, status: 'new', created_at: at });
    for (const [i, mid] of ids.entries()) {
      await addMessage(tx, id, {
        message_id: mid,
        references: ids.slice(0, i),
        in_reply_to: i > 0 ? ids[i - 1] : null,
        direction: 'in',
        from: email,
        date: new Date(Date.parse(at) + i * 3_600_000).toISOString().replace('.000Z', 'Z'),
        subject: i ? 'Re: Export fails with error 500' : 'Export fails with error 500',
        text: `Message ${i + 1}: the export still fails.`,
      });
    }
    return id;
  });
}

export async function parseMail(raw: Buffer) {
  return PostalMime.parse(raw);
}
