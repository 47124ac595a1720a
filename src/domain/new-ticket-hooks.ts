// What happens to every new ticket, whichever way it arrived (sync, `desk new`, import):
// the triage rules route and prioritise it. Kept in one place so no entry point forgets it.
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';

export interface NewTicketContext {
  actor: string;
  at: string;
  source: 'new' | 'sync' | 'import';
}

export async function onNewTicket(_tx: Kysely<DB>, _ticketId: number, _ctx: NewTicketContext): Promise<void> {
  // Triage rules plug in here (see the rules engine).
}
