// Replies from the triage screen go through the code of `desk reply` (sendReply), called in
// process with what the agent wrote or picked, so a reply sent from here is exactly one sent from
// the shell (threading, outbox, canned status and attachments, the time of --now included).
// Canned replies are rendered here only for the agent's preview.
import type { Ctx } from '../../cli/context.js';
import { DeskError } from '../../errors.js';
import type { CannedEntry } from '../../domain/canned/library.js';
import { renderCanned } from '../../domain/canned/render.js';
import type { TicketWithHistory } from '../../domain/types.js';
import type { Store } from '../../store/index.js';
import { cannedLibraryOf } from '../canned/dirs.js';
import { signatureOf } from '../../domain/canned/signature.js';
import { safeLine } from '../../ui/safe-text.js';
import { sendReply, sentLine } from '../reply/run.js';
import { agentOf, variablesFor } from '../reply/variables.js';
import { senderOf } from '../reply/sender.js';
import { renderSignatures, teamSignatureOf } from '../reply/signatures.js';

export interface ReplyActions {
  library(): Promise<CannedEntry[]>;
  /** The canned reply filled in for this ticket, as the customer would read it. */
  render(t: TicketWithHistory, entry: CannedEntry): Promise<string>;
  /**
   * How a written reply to this ticket is signed: the agent's signature, then the team's (queue or
   * mail account), filled in (`desk reply` adds them when the text lacks them).
   */
  signature(t: TicketWithHistory): Promise<string>;
  /**
   * Sends as `desk reply` does; resolves to what became of it. Throws desk's typed errors, their
   * message saying which reply was not sent (a server failure: the reply waits in the outbox).
   */
  send(t: TicketWithHistory, reply: { text: string; canned?: CannedEntry }, guard?: { openedAt?: string; confirm?: (q: string) => Promise<boolean> }): Promise<string>;
}

export function replyActions(ctx: Ctx, store: Store, me: string): ReplyActions {
  let cached: CannedEntry[] | undefined;
  return {
    async library() {
      // The same library and variables as `desk reply`, so the preview is what will be sent.
      cached ??= (await cannedLibraryOf(ctx)).library.replies;
      return cached;
    },
    async signature(t) {
      const config = await ctx.config();
      const agent = signatureOf(await agentOf(store, me));
      const team = teamSignatureOf(config, t.queue, senderOf(config).address);
      const s = await renderSignatures(agent, team, await variablesFor(ctx, store, t, me, `${agent}\n${team?.template ?? ''}`));
      return [s.agent, s.team].filter((x): x is string => x !== null).join('\n\n');
    },
    async render(t, entry) {
      return renderCanned(entry.name, entry.body, await variablesFor(ctx, store, t, me, entry.body));
    },
    async send(t, reply, guard = {}) {
      const notSent = (err: DeskError) => Object.assign(err, { message: `reply to #${t.id} not sent: ${err.message}` });
      // Unchanged canned text goes by name so the reply keeps its status and attachments.
      const asCanned = reply.canned && reply.text === (await this.render(t, reply.canned));
      let outcome;
      try {
        outcome = await sendReply(ctx, t.id, { ...(asCanned ? { canned: reply.canned!.name } : { text: reply.text }), openedAt: guard.openedAt, confirm: guard.confirm });
      } catch (err) {
        throw err instanceof DeskError ? notSent(err) : err;
      }
      if (outcome.failure) throw notSent(outcome.failure);
      if (outcome.state === 'sent') return sentLine(outcome);
      return `#${t.id}: reply saved in the outbox (#${outcome.outboxId}) but not delivered`;
    },
  };
}

/** Who a reply from triage goes to, as the confirmation shows it: the requester, Cc the ticket's list. */
export function recipientsOf(t: TicketWithHistory): string {
  const cc = (t.cc ?? []).map((c) => c.email);
  return `To ${safeLine(t.requester.email)}${cc.length ? `, cc ${safeLine(cc.join(', '))}` : ''}`;
}
