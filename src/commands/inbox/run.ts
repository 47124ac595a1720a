// desk inbox: list an agent's notifications, mark them read.
import type { Ctx } from '../../cli/context.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { checkIdentifier } from '../../domain/identifiers.js';
import { isoSeconds } from '../../domain/types.js';
import { printJson } from '../../ui/output.js';
import { safeLine } from '../../ui/safe-text.js';
import { localTime } from '../../ui/time.js';
import type { Notification } from '../../store/repos/notifications.js';
import type { ListOptions, ReadOptions, SettingsOptions } from './index.js';

/** --as, else who acts; must be an agent of the desk (exit 3 saying how to become one). */
async function inboxAgent(ctx: Ctx, as: string | undefined): Promise<string> {
  const name = as !== undefined ? checkIdentifier('agent name', as, '--as') : await ctx.actor();
  const store = await ctx.store();
  const row = await store.db.selectFrom('agents').select('name').where('name', '=', name).executeTakeFirst();
  if (!row) {
    throw new NotFoundError(`'${name}' is no agent of this desk, so has no inbox`,
      `add them with 'desk agent add ${name} --email E', or act as an agent: 'desk config set agent NAME' (or DESK_AGENT)`);
  }
  return row.name;
}

export function notificationJson(n: Notification) {
  return { id: n.id, agent: n.agent, kind: n.kind, ticket: n.ticket, actor: n.actor, text: n.text, created_at: n.created_at, read_at: n.read_at, mail: n.mail };
}

const KIND_LABEL: Record<string, string> = { mention: 'mention', assigned: 'assigned', customer_reply: 'reply', sla_at_risk: 'sla' };

export async function runInboxList(ctx: Ctx, opts: ListOptions): Promise<void> {
  const agent = await inboxAgent(ctx, opts.as);
  const store = await ctx.store();
  const { listNotifications } = await import('../../store/repos/notifications.js');
  const list = await listNotifications(store.db, agent, { all: opts.all });
  if (ctx.json || opts.json) return printJson(ctx.io, list.map(notificationJson));
  if (!list.length) {
    ctx.io.out(opts.all ? `no notifications for ${agent}\n` : `no unread notifications for ${agent}\n`);
    return;
  }
  const zone = (await ctx.config()).timezone;
  const tz = typeof zone === 'string' ? zone : undefined;
  const width = Math.max(...list.map((n) => String(n.id).length));
  for (const n of list) {
    const mark = n.read_at ? ' ' : '*';
    const text = n.text.replace(/\s+/g, ' ').trim();
    ctx.io.out(`${mark} ${String(n.id).padStart(width)}  ${localTime(n.created_at, tz)}  ${KIND_LABEL[n.kind]!.padEnd(8)} #${n.ticket}  ${safeLine(n.actor)}: ${safeLine(text.length > 120 ? `${text.slice(0, 119)}…` : text)}\n`);
  }
  const unread = list.filter((n) => !n.read_at).length;
  ctx.io.err(`${unread} unread; \`desk inbox read ID…\` or \`desk inbox read --all\` marks them read\n`);
}

export async function runInboxRead(ctx: Ctx, words: string[], opts: ReadOptions): Promise<void> {
  if (opts.all && words.length) throw new UsageError('give notification ids or --all, not both');
  if (!opts.all && !words.length) throw new UsageError('say which notifications: ids (as `desk inbox` shows them) or --all');
  const ids = words.map((w) => {
    if (!/^\d{1,15}$/.test(w)) throw new UsageError(`invalid notification id '${w}' (a number, as \`desk inbox\` shows)`);
    return Number(w);
  });
  const agent = await inboxAgent(ctx, opts.as);
  const store = await ctx.store();
  const { markRead } = await import('../../store/repos/notifications.js');
  const n = await store.write((tx) => markRead(tx, agent, opts.all ? 'all' : ids, isoSeconds(ctx.now())));
  if (ctx.json || opts.json) return printJson(ctx.io, { marked_read: n });
  ctx.io.out(`${n} notification${n === 1 ? '' : 's'} marked read\n`);
}

export async function runInboxSettings(ctx: Ctx, opts: SettingsOptions): Promise<void> {
  const { changeSettings, settingsJson, settingsLine } = await import('../../domain/notify/settings.js');
  const agent = await inboxAgent(ctx, opts.as);
  const store = await ctx.store();
  const { agentSettings, setAgentSettings } = await import('../../store/repos/notifications.js');
  let s = await agentSettings(store.db, agent);
  if (opts.notify !== undefined || opts.digest !== undefined) {
    s = changeSettings(s, opts.notify, opts.digest);
    const json = settingsJson(s);
    await store.write((tx) => setAgentSettings(tx, agent, json));
  }
  if (ctx.json || opts.json) return printJson(ctx.io, { agent, ...s.kinds, digest: s.digest });
  ctx.io.out(`${agent}: ${settingsLine(s)}\n`);
}
