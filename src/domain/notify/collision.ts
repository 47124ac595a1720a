// Reply collision: a customer wrote after the agent opened the ticket, so the reply being sent
// may answer an old question. Pure.
import type { Message } from '../types.js';

/** The latest customer message (inbound, not automatic) dated after `openedAt`, if any. */
export function customerMailSince(messages: readonly Pick<Message, 'direction' | 'auto' | 'date' | 'from' | 'from_name'>[], openedAt: string): Pick<Message, 'date' | 'from' | 'from_name'> | null {
  const opened = new Date(openedAt).getTime();
  let latest: Pick<Message, 'date' | 'from' | 'from_name'> | null = null;
  for (const m of messages) {
    if (m.direction !== 'in' || m.auto) continue;
    const t = new Date(m.date).getTime();
    if (t > opened && (!latest || t > new Date(latest.date).getTime())) latest = m;
  }
  return latest;
}
