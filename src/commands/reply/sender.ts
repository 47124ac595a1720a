// Who replies are from and how they leave: read from the config (smtp:, accounts:).
import { UsageError } from '../../errors.js';
import { resolveSecret, type Config, type SmtpConfig } from '../../config.js';
import { isValidAddress, type MailAddress } from '../../mail/compose.js';
import { needsTls, sendRaw, type SmtpTarget } from '../../mail/smtp.js';
import type { SendFn } from '../../mail/outbox.js';
import { timeoutsFor } from '../../mail/timeouts.js';

/** `Name <address>` (the last bracketed part, at the end) or a bare address. */
function parseMailbox(text: string): MailAddress {
  const t = text.trim();
  const open = t.lastIndexOf('<');
  const address = t.slice(open + 1, -1);
  const name = t.slice(0, open).trimEnd();
  if (open >= 0 && t.endsWith('>') && address && !address.includes('>') && !/[\n\r\u2028\u2029]/.test(name)) {
    return { name: name.replace(/^"|"$/g, '') || null, address: address.trim() };
  }
  return { address: t };
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

/** One missing or unusable setting, and the command line that fixes it. */
export interface MissingSetting {
  what: string;
  fix: string;
}

/**
 * Everything a reply needs from the config that is not there, all at once, so that an agent on
 * a fresh desk fixes the setup in one go instead of one error at a time.
 */
export function missingMailSettings(config: Config): MissingSetting[] {
  const missing: MissingSetting[] = [];
  const smtp = config.smtp as SmtpConfig | undefined;
  if (!hasSmtp(config)) {
    missing.push({ what: 'the SMTP server that sends replies (port 587 unless smtp.port says otherwise)', fix: 'desk config set smtp.host smtp.example.com' });
  }
  try {
    senderOf(config);
  } catch {
    missing.push({ what: 'our address, that replies come from', fix: 'desk config set smtp.from "Support <support@example.com>"' });
  }
  if (smtp?.user !== undefined && !smtp.passwordCommand && !smtp.passwordEnv) {
    missing.push({ what: 'where the SMTP password comes from (never stored in the config)', fix: 'desk config set smtp.passwordEnv DESK_SMTP_PASSWORD' });
  }
  if (smtp?.passwordEnv && !smtp.passwordCommand && process.env[smtp.passwordEnv] === undefined) {
    missing.push({ what: `the environment variable ${smtp.passwordEnv} (smtp.passwordEnv) is not set`, fix: `export ${smtp.passwordEnv}=…` });
  }
  return missing;
}

/** Throws one error naming every missing setting, with the lines that fix them. */
export function checkMailSettings(config: Config, configFile: string, doing: string): void {
  const missing = missingMailSettings(config);
  if (!missing.length) return;
  const lines = missing.map((m) => `  - ${m.what}`);
  const fixes = missing.map((m) => `    ${m.fix}`);
  throw new UsageError(
    `${doing} needs ${missing.length === 1 ? 'a setting' : `${missing.length} settings`} that ${configFile} lacks:\n${lines.join('\n')}\n  set ${missing.length === 1 ? 'it' : 'them'} with:\n${fixes.join('\n')}`,
  );
}
