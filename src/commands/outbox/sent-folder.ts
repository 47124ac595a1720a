// Confirms over IMAP whether a message reached the account's Sent folder, by its Message-ID.
// Only accounts whose config names a `sentMailbox` are asked: naming it says "our SMTP server
// files what we send there", and only then does "not found" mean "not delivered". Without such
// an account, `unknown` entries wait for the agent's --force.
import { DeskError, RemoteError } from '../../errors.js';
import { resolveSecret, type AccountConfig, type Config } from '../../config.js';
import { openMailbox, type ImapMailbox } from '../../mail/imap.js';
import type { SentFolder } from '../../mail/outbox.js';
import { accountTimeouts } from '../sync/accounts.js';

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
  // Every step of the search runs on the account's clocks (see mail/imap.ts), like desk sync.
  const timeouts = accountTimeouts(account, account.name);
  let opened: ImapMailbox | undefined;

  function reason(err: unknown): string {
    return err instanceof DeskError ? err.message.replace(/^account [^:]*: /, '') : (err as Error)?.message ?? String(err);
  }

  async function open(): Promise<ImapMailbox> {
    if (opened) return opened;
    const secure = account!.secure !== false;
    try {
      opened = await openMailbox({
        name: account!.name,
        host: account!.host,
        port: account!.port ?? (secure ? 993 : 143),
        secure,
        user: account!.user,
        password: resolveSecret(account!, `account ${account!.name}`) ?? '',
        mailbox,
        timeouts,
      });
    } catch (err) {
      throw new RemoteError(`cannot search the Sent folder of ${where}: ${reason(err)}`);
    }
    return opened;
  }

  return {
    async contains(messageId) {
      const mb = await open();
      try {
        return await mb.hasMessageId(messageId);
      } catch (err) {
        throw new RemoteError(`searching the Sent folder of ${where} failed: ${reason(err)}`);
      }
    },
    async close() {
      await opened?.close().catch(() => undefined);
    },
  };
}
