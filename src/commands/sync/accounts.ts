// The accounts `desk sync` works on: checked against the config's shape, narrowed by --account,
// with their password resolved only when the account is about to be used (never stored).
import { badFlagValue, UsageError } from '../../errors.js';
import { resolveSecret, type AccountConfig, type Config } from '../../config.js';
import type { TrustAuthResults } from '../../mail/auth-results.js';
import type { ImapEndpoint } from '../../mail/imap.js';
import { timeoutsFor } from '../../mail/timeouts.js';

/** The network limits of an account (its timeoutSeconds, DESK_NET_TIMEOUT_MS, the defaults). */
export function accountTimeouts(c: AccountConfig, name: string) {
  return timeoutsFor(c.timeoutSeconds, `account ${name}: timeoutSeconds`);
}

export interface SyncAccount {
  config: AccountConfig;
  name: string;
  mailbox: string;
  queue: string | null;
  /** lowercased, when configured */
  address: string | null;
  /** whose Authentication-Results tell that mail from our address is ours (null: nobody's) */
  trustAuthResults: TrustAuthResults | null;
}

/** `trustAuthResults: { authservId: mx.example.com }`, checked. */
function trustOf(raw: unknown, where: string): TrustAuthResults | null {
  if (raw === undefined || raw === null) return null;
  const id = (raw as { authservId?: unknown }).authservId;
  if (typeof raw !== 'object' || Array.isArray(raw) || typeof id !== 'string' || !/^[^\s;()"\\=/]+$/.test(id.trim())) {
    throw new UsageError(
      `config ${where}.trustAuthResults must be a mapping with 'authservId: NAME'`,
      'NAME is what your receiving server writes first in its Authentication-Results header, e.g. mx.example.com',
    );
  }
  return { authservId: id.trim().toLowerCase() };
}

function requireText(a: Record<string, unknown>, key: string, where: string): string {
  const v = a[key];
  if (typeof v !== 'string' || !v.trim()) throw new UsageError(`config ${where}.${key} is missing (a text value)`);
  return v.trim();
}

/** The configured accounts (all, or the one named by --account). */
export function selectAccounts(config: Config, only: string | undefined): SyncAccount[] {
  const list = config.accounts ?? [];
  if (list.length === 0) {
    throw new UsageError(
      'no mail accounts in the config: nothing to sync',
      'add one under accounts: (name, host, port, secure, user, passwordCommand or passwordEnv, mailbox, address, queue); with an smtp: section and no accounts, sync sends the outbox',
    );
  }
  const accounts = list.map((raw, i) => {
    const where = `accounts[${i}]`;
    if (!raw || typeof raw !== 'object') throw new UsageError(`config ${where} must be a mapping`);
    const a = raw as unknown as Record<string, unknown>;
    const name = requireText(a, 'name', where);
    requireText(a, 'host', where);
    requireText(a, 'user', where);
    if (a.port !== undefined && !(Number.isInteger(a.port) && (a.port as number) > 0 && (a.port as number) < 65536)) {
      throw new UsageError(`config ${where}.port must be a port number (1-65535)`);
    }
    accountTimeouts(raw, name); // a bad timeoutSeconds is reported before anything is synced
    return {
      config: raw,
      name,
      mailbox: typeof a.mailbox === 'string' && a.mailbox.trim() ? a.mailbox.trim() : 'INBOX',
      queue: typeof a.queue === 'string' && a.queue.trim() ? a.queue.trim() : null,
      address: typeof a.address === 'string' && a.address.trim() ? a.address.trim().toLowerCase() : null,
      trustAuthResults: trustOf(a.trustAuthResults, where),
    };
  });
  const names = accounts.map((a) => a.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new UsageError(`config: two accounts are named '${dup}'; names must be unique (the sync position is kept per name)`);
  if (only === undefined) return accounts;
  const one = accounts.find((a) => a.name === only);
  if (!one) throw badFlagValue('--account', only, names);
  return [one];
}

/** Addresses whose mail is ours (outbound), never a customer's. */
export function ourAddresses(config: Config): Set<string> {
  const set = new Set<string>();
  for (const a of config.accounts ?? []) if (typeof a?.address === 'string' && a.address.trim()) set.add(a.address.trim().toLowerCase());
  const from = config.smtp?.from;
  if (typeof from === 'string') {
    const m = /<([^<>]+)>/.exec(from);
    set.add((m ? m[1]! : from).trim().toLowerCase());
  }
  return set;
}

/** Connection settings with the password resolved now (passwordCommand run, or the env var read). */
export function endpointOf(account: SyncAccount): ImapEndpoint {
  const c = account.config;
  const password = resolveSecret(c, `account ${account.name}`);
  if (password === undefined) {
    throw new UsageError(
      `account ${account.name} has no password source`,
      'set passwordCommand (a command printing the password) or passwordEnv (an environment variable name) in its config',
    );
  }
  const secure = c.secure !== false;
  return {
    name: account.name,
    host: c.host,
    port: c.port ?? (secure ? 993 : 143),
    secure,
    user: c.user,
    password,
    mailbox: account.mailbox,
    timeouts: accountTimeouts(c, account.name),
  };
}
