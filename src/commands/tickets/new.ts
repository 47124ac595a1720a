import { randomUUID } from 'node:crypto';
import type { Ctx } from '../../cli/context.js';
import { badFlagValue, UsageError } from '../../errors.js';
import { normaliseTag } from '../../domain/ticket.js';
import { checkIdentifier } from '../../domain/identifiers.js';
import { PRIORITIES, isoSeconds, type Priority } from '../../domain/types.js';
import { addMessage, createTicket, getTicket } from '../../store/repos/tickets.js';
import { onNewTicket } from '../../store/new-ticket-hooks.js';
import { JudgedMail } from '../../domain/rules/judged.js';
import { rulesOfConfig } from '../rules-file.js';
import { textArg } from '../shared.js';
import { printTicketBrief } from './render.js';
import { isEmailAddress } from '../../domain/rules/text-match.js';

export interface NewOptions {
  from: string;
  subject: string;
  name?: string;
  body?: string;
  priority?: string;
  queue?: string;
  tag?: string[];
}

export async function runNew(ctx: Ctx, opts: NewOptions): Promise<void> {
  const email = opts.from.trim().toLowerCase();
  if (!isEmailAddress(email)) throw new UsageError(`invalid value for --from: '${opts.from}' (an e-mail address)`);
  const subject = opts.subject.trim();
  if (!subject) throw new UsageError('--subject cannot be empty');
  if (opts.priority !== undefined && !PRIORITIES.includes(opts.priority as Priority)) throw badFlagValue('--priority', opts.priority, PRIORITIES);
  if (opts.queue) checkIdentifier('queue', opts.queue, '--queue');
  for (const tag of opts.tag ?? []) checkIdentifier('tag', tag, '--tag');
  const body = opts.body !== undefined ? await textArg(ctx.io, opts.body, '--body') : undefined;
  const store = await ctx.store();
  const actor = await ctx.actor();
  const at = isoSeconds(ctx.now());
  // The rules read the mail before the write transaction: a long body never holds the lock.
  const rules = rulesOfConfig(await ctx.config(), await ctx.tiers());
  const judged = rules ? new JudgedMail(rules) : undefined;
  judged?.add(body !== undefined ? { from: email, subject, text: body } : null, { subject, requester: { email } });
  const id = await store.write(async (tx) => {
    const id = await createTicket(tx, {
      subject,
      requester: { email, name: opts.name ?? null },
      priority: opts.priority as Priority | undefined,
      queue: opts.queue ?? null,
      tags: [...new Set((opts.tag ?? []).map(normaliseTag).filter(Boolean))],
      created_at: at,
    });
    if (body !== undefined) {
      await addMessage(tx, id, {
        message_id: `<new.${randomUUID()}@desk.invalid>`,
        direction: 'in', from: email, from_name: opts.name ?? null, date: at, subject, text: body, author: actor,
      });
    }
    await onNewTicket(tx, id, { actor, at, source: 'new', rules, judged });
    return id;
  });
  await printTicketBrief(ctx, await getTicket(store.db, id), 'created');
}
