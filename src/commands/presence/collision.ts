// Reply collision and the replying presence: `desk reply` (and triage's reply) remembers when
// the agent opened the ticket, and asks before sending when a customer wrote since.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../../cli/context.js';
import { ConflictError } from '../../errors.js';
import { customerMailSince } from '../../domain/notify/collision.js';
import { isoSeconds } from '../../domain/types.js';
import type { Store } from '../../store/index.js';
import { getTicketHistory } from '../../store/repos/tickets.js';
import { safeLine } from '../../ui/safe-text.js';
import { clockOf } from './lines.js';

/** An editor may stay open long: its presence lasts this long unless it closes first. */
const EDITOR_TTL_MS = 30 * 60_000;

/**
 * When the agent opened the ticket: as given, else their live presence on it (triage), else
 * now (the start of this reply; `seen: false`: nothing can have arrived unseen unless an editor
 * stays open, so a message merely dated ahead by a sender's clock is no collision).
 */
export async function openedAtFor(ctx: Ctx, store: Store, agent: string, ticket: number, given?: string): Promise<{ at: string; seen: boolean }> {
  if (given) return { at: given, seen: true };
  const now = isoSeconds(ctx.now());
  const { presenceOf } = await import('../../store/repos/presence.js');
  const opened = (await presenceOf(store.db, agent, ticket, now))?.opened_at;
  return opened ? { at: opened, seen: true } : { at: now, seen: false };
}

/** Records that the agent is replying to the ticket (in the editor); the returned function ends it. */
export async function markReplying(ctx: Ctx, store: Store, agent: string, ticket: number, openedAt: string): Promise<() => Promise<void>> {
  const { setPresence, clearPresence } = await import('../../store/repos/presence.js');
  const now = ctx.now();
  try {
    await store.write((tx) => setPresence(tx, {
      agent, ticket, activity: 'replying', at: isoSeconds(now), opened_at: openedAt, expires_at: isoSeconds(new Date(now.getTime() + EDITOR_TTL_MS)),
    }));
  } catch {
    return async () => undefined; // presence is a courtesy: a busy store must not stop a reply
  }
  return async () => {
    await store.write((tx) => clearPresence(tx, agent, ticket)).catch(() => undefined);
  };
}

async function askOnTerminal(ctx: Ctx, question: string): Promise<boolean | null> {
  const tty = Boolean((ctx.io.stdin as { isTTY?: boolean }).isTTY) && ctx.io.isTTY;
  if (!tty) return null;
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message: safeLine(question), default: false });
}

/**
 * Refuses (exit 4) or asks before sending a reply when a customer message arrived after the
 * agent opened the ticket. A refused reply written in an editor is kept in the data dir.
 */
export async function checkCollision(
  ctx: Ctx, store: Store, ticket: number, openedAt: string, text: string, confirm?: (q: string) => Promise<boolean>,
): Promise<void> {
  const fresh = await getTicketHistory(store.db, ticket);
  const m = customerMailSince(fresh.messages, openedAt);
  if (!m) return;
  const clock = await clockOf(ctx);
  const who = m.from_name ? `${m.from_name} <${m.from}>` : m.from;
  const question = `a new message from ${who} arrived at ${clock(m.date)} — send anyway?`;
  const answer = confirm ? await confirm(question) : await askOnTerminal(ctx, question);
  if (answer) return;
  let kept = '';
  try {
    const dir = join(store.dataDir, 'drafts');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `reply-${ticket}-${isoSeconds(ctx.now()).replace(/[:]/g, '')}.txt`);
    writeFileSync(file, text);
    kept = `; your reply is kept in ${file}`;
  } catch {
    kept = '';
  }
  throw new ConflictError(
    `reply to #${ticket} not sent: a new message from ${who} arrived at ${clock(m.date)}, after you opened the ticket at ${clock(openedAt)}`,
    `read it with \`desk show ${ticket}\`; \`desk reply ${ticket} --force\` sends anyway${kept}`,
  );
}
