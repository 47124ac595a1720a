// Who else is on a ticket, for people: "ana is replying (since 14:02)" (desk show, triage).
import type { Ctx } from '../../cli/context.js';
import { isoSeconds } from '../../domain/types.js';
import { othersLive, presenceLine, type Presence } from '../../domain/notify/presence.js';
import { localTime } from '../../ui/time.js';

/** The local time of day of an instant in the desk's zone ("14:02"). */
export async function clockOf(ctx: Ctx): Promise<(iso: string) => string> {
  const zone = await (await import('../sla/policy-file.js')).agentTimeZone(ctx);
  return (iso) => localTime(iso, zone).slice(11);
}

/** Other agents' live presences on tickets, by ticket. */
export async function othersOn(ctx: Ctx, tickets: number[]): Promise<Map<number, Presence[]>> {
  const store = await ctx.store();
  const { livePresence } = await import('../../store/repos/presence.js');
  const now = ctx.now();
  const me = await ctx.actor().catch(() => ''); // who looks only hides their own presence
  const out = new Map<number, Presence[]>();
  for (const p of othersLive(await livePresence(store.db, tickets, isoSeconds(now)), me, now)) {
    out.set(p.ticket_id, [...(out.get(p.ticket_id) ?? []), p]);
  }
  return out;
}

export async function presenceLines(ctx: Ctx, ticket: number): Promise<string[]> {
  const list = (await othersOn(ctx, [ticket])).get(ticket) ?? [];
  if (!list.length) return [];
  const clock = await clockOf(ctx);
  return list.map((p) => presenceLine(p, clock));
}
