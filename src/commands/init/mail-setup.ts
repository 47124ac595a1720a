// `desk init` on a terminal offers to set up the support mailbox (IMAP) and SMTP for replies,
// question by question, and writes them into the config in one go at the end. Never asked when
// standard input or output is not a terminal (scripts, CI, pipes), nor for a config that already
// has them. Passwords are never asked for: the config names a command or an environment variable.
import type { Ctx } from '../../cli/context.js';
import { setKey, type AccountConfig, type SmtpConfig } from '../../config.js';
import { isValidAddress } from '../../mail/compose.js';

type Inquirer = typeof import('@inquirer/prompts');

export function mayAsk(ctx: Ctx): boolean {
  return Boolean((ctx.io.stdin as { isTTY?: boolean }).isTTY) && ctx.io.isTTY;
}

function cancelled(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  return name === 'AbortPromptError' || name === 'ExitPromptError' || name === 'CancelPromptError';
}

const portOf = (text: string) => (/^\d{1,5}$/.test(text.trim()) && +text > 0 && +text < 65536 ? true : 'a port number, like 993');
const needed = (what: string) => (text: string) => (text.trim() ? true : `${what} is needed`);

/** The secret source an answer names: a command, or else the environment variable offered. */
function secretOf(command: string, env: string): { passwordCommand: string } | { passwordEnv: string } {
  return command.trim() ? { passwordCommand: command.trim() } : { passwordEnv: env };
}

async function ask(q: Inquirer): Promise<{ account: AccountConfig; smtp: SmtpConfig }> {
  const host = (await q.input({ message: 'IMAP server of the support mailbox:', validate: needed('the server') })).trim();
  const port = Number(await q.input({ message: 'IMAP port:', default: '993', validate: portOf }));
  const secure = await q.confirm({ message: 'TLS from the start (port 993)?', default: port === 993 });
  const user = (await q.input({ message: 'Mailbox user:', validate: needed('the user') })).trim();
  const imapPass = await q.input({ message: 'Command that prints its password (empty: read $DESK_IMAP_PASSWORD):', default: '' });
  const address = (await q.input({
    message: 'Our address, that customers write to:',
    default: isValidAddress(user) ? user : undefined,
    validate: (a) => (isValidAddress(a.trim()) ? true : 'an e-mail address, like support@example.com'),
  })).trim();
  const smtpHost = (await q.input({ message: 'SMTP server for replies:', default: host.replace(/^imap\./i, 'smtp.'), validate: needed('the server') })).trim();
  const smtpPort = Number(await q.input({ message: 'SMTP port (587 STARTTLS, 465 TLS):', default: '587', validate: portOf }));
  const login = await q.confirm({ message: 'Does the SMTP server need a login?', default: true });
  const smtpUser = login ? (await q.input({ message: 'SMTP user:', default: user, validate: needed('the user') })).trim() : '';
  const smtpPass = smtpUser
    ? await q.input({ message: 'Command that prints the SMTP password (empty: read $DESK_SMTP_PASSWORD):', default: imapPass })
    : '';
  const account: AccountConfig = {
    name: 'support', host, port, secure, user, ...secretOf(imapPass, 'DESK_IMAP_PASSWORD'), mailbox: 'INBOX', address,
  };
  const smtp: SmtpConfig = {
    host: smtpHost, port: smtpPort, secure: smtpPort === 465, ...(smtpUser ? { user: smtpUser, ...secretOf(smtpPass, 'DESK_SMTP_PASSWORD') } : {}), from: address,
  };
  return { account, smtp };
}

/** Offers the mail setup; true when it was written. */
export async function offerMailSetup(ctx: Ctx, cfgPath: string, say: (s: string) => void): Promise<boolean> {
  const cfg = await ctx.config();
  if (cfg.accounts?.length || cfg.smtp) return false;
  if (!ctx.io.color && process.env.NO_COLOR === undefined) process.env.NO_COLOR = '1';
  const q = await import('@inquirer/prompts');
  try {
    if (!(await q.confirm({ message: 'Set up the support mailbox and SMTP for replies now?', default: true }))) {
      say('no mail set up; later: desk config set smtp.host … (see the README, Configuration)');
      return false;
    }
    const { account, smtp } = await ask(q);
    await setKey(cfgPath, 'accounts', JSON.stringify([account]));
    await setKey(cfgPath, 'smtp', JSON.stringify(smtp));
    say(`mail set up in ${cfgPath}: desk sync pulls ${account.user}@${account.host}, replies leave through ${smtp.host}:${smtp.port}`);
    const envs = [account.passwordEnv, smtp.passwordEnv].filter((e): e is string => !!e);
    if (envs.length) say(`set ${[...new Set(envs)].join(' and ')} in the environment desk runs in (the password is never stored)`);
    return true;
  } catch (err) {
    if (cancelled(err)) {
      say('mail setup cancelled; nothing was written');
      return false;
    }
    throw err;
  }
}
