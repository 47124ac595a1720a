// Who replies are from and how they leave: read from the config (smtp:, accounts:).
import { UsageError } from '../../cli/errors.js';
import { resolveSecret, type Config, type SmtpConfig } from '../../config.js';
import { isValidAddress, type MailAddress } from '../../mail/compose.js';
import { needsTls, sendRaw, type SmtpTarget } from '../../mail/smtp.js';
import type { SendFn } from '../../mail/outbox.js';
import { timeoutsFor } from '../../mail/timeouts.js';

/** `Name <address>` or a bare address. */
function parseMailbox(text: string): MailAddress {
  const m = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(text);
  if (m) return { name: m[1]!.replace(/^"|"$/g, '') || null, address: m[2]!.trim() };
  return { address: text.trim() };
}

/**
 * Our From: smtp.from, else the first account's address, else the SMTP user when it is an
 * address. Replies must come from the address customers write to, so their answers come back.
 */
export function senderOf(config: Config): MailAddress {
  const candidates = [config.smtp?.from, ...(config.accounts ?? []).map((a) => a?.address), config.smtp?.user];
  for (const c of candidates) {
    if (typeof c !== 'string' || !c.trim()) continue;
    const mailbox = parseMailbox(c);
    if (isValidAddress(mailbox.address)) return mailbox;
  }
  throw new UsageError(
    'replies need our address: set smtp.from (or an account\'s address) in the config',
    'e.g. desk config set smtp.from "Support <support@example.com>"',
  );
}

export function hasSmtp(config: Config): boolean {
  return typeof config.smtp?.host === 'string' && config.smtp.host.trim() !== '';
}

/** The SMTP server of the config, with the password resolved now (never stored). */
export function smtpTargetOf(config: Config): SmtpTarget {
  const smtp = config.smtp as SmtpConfig | undefined;
  if (!smtp || !hasSmtp(config)) {
    throw new UsageError('sending mail needs an smtp section in the config (host, port, user, passwordCommand or passwordEnv)');
  }
  const secure = smtp.secure ?? false;
  const target: SmtpTarget = {
    host: smtp.host,
    port: smtp.port ?? (secure ? 465 : 587),
    secure,
    user: smtp.user,
    password: resolveSecret(smtp, 'smtp'),
    timeouts: timeoutsFor(smtp.timeoutSeconds, 'smtp.timeoutSeconds'),
  };
  target.requireTLS = needsTls(target);
  return target;
}

/** A send function for the outbox; the password is resolved on the first send only. */
export function smtpSendFn(config: Config): SendFn | null {
  if (!hasSmtp(config)) return null;
  // A bad timeoutSeconds is found now, before an entry is claimed for sending.
  timeoutsFor(config.smtp?.timeoutSeconds, 'smtp.timeoutSeconds');
  let target: SmtpTarget | undefined;
  return (envelope, raw) => sendRaw((target ??= smtpTargetOf(config)), envelope, raw);
}
