// Confirms over IMAP whether a message reached the account's Sent folder, by its Message-ID.
// Only accounts whose config names a `sentMailbox` are asked: naming it says "our SMTP server
// files what we send there", and only then does "not found" mean "not delivered". Without such
// an account, `unknown` entries wait for the agent's --force.
import type { ImapFlow } from 'imapflow';
import { RemoteError } from '../../cli/errors.js';
import { resolveSecret, type AccountConfig, type Config } from '../../config.js';
import type { SentFolder } from '../../mail/outbox.js';

function accountFor(config: Config, fromAddress: string | null): AccountConfig | null {
  const withSent = (config.accounts ?? []).filter((a) => typeof a?.sentMailbox === 'string' && a.sentMailbox.trim());
  const from = fromAddress?.toLowerCase();
  return withSent.find((a) => a.address?.toLowerCase() === from) ?? withSent[0] ?? null;
}

export function sentFolderOf(config: Config, fromAddress: string | null): SentFolder | null {
  const account = accountFor(config, fromAddress);
  if (!account) return null;
  const mailbox = account.sentMailbox!.trim();
  const where = `account ${account.name} (${account.host}), mailbox ${mailbox}`;
  let client: ImapFlow | undefined;

  async function open(): Promise<ImapFlow> {
    if (client?.usable) return client;
    const { ImapFlow } = await import('imapflow');
    const secure = account!.secure !== false;
    const c = new ImapFlow({
      host: account!.host,
      port: account!.port ?? (secure ? 993 : 143),
      secure,
      auth: { user: account!.user, pass: resolveSecret(account!, `account ${account!.name}`) ?? '' },
      logger: false, // imapflow logs to stdout by default: that would corrupt --json
      disableAutoIdle: true,
      connectionTimeout: 30_000,
      greetingTimeout: 16_000,
      socketTimeout: 60_000,
      clientInfo: { name: 'desk' },
    });
    c.on('error', () => undefined); // failures surface through the awaited calls below
    try {
      await c.connect();
      await c.mailboxOpen(mailbox, { readOnly: true });
    } catch (err) {
      c.close();
      const e = err as { responseText?: string; message?: string };
      throw new RemoteError(`cannot search the Sent folder of ${where}: ${e.responseText || e.message || String(err)}`);
    }
    return (client = c);
  }

  return {
    async contains(messageId) {
      const c = await open();
      try {
        const uids = await c.search({ header: { 'message-id': messageId } }, { uid: true });
        return Array.isArray(uids) && uids.length > 0;
      } catch (err) {
        throw new RemoteError(`searching the Sent folder of ${where} failed: ${(err as Error).message}`);
      }
    },
    async close() {
      if (!client) return;
      try {
        if (client.usable) await client.logout();
      } catch {
        client.close();
      }
    },
  };
}
