// Presence: who else is on a ticket. Pure: how long a presence lives, and the line people read.
export const PRESENCE_ACTIVITIES = ['viewing', 'replying'] as const;
export type PresenceActivity = (typeof PRESENCE_ACTIVITIES)[number];

/** A presence not refreshed for this long is gone by itself. */
export const PRESENCE_TTL_MS = 120_000;
/** How often an open screen refreshes its presence (well inside the TTL). */
export const PRESENCE_REFRESH_MS = 30_000;

export interface Presence {
  agent: string;
  ticket_id: number;
  activity: PresenceActivity;
  since: string;
  opened_at: string;
  expires_at: string;
}

export const expiresFrom = (now: Date): string => new Date(now.getTime() + PRESENCE_TTL_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Presences of others, still live at `now`, replying first. */
export function othersLive(list: readonly Presence[], me: string, now: Date): Presence[] {
  const t = now.getTime();
  return list
    .filter((p) => p.agent !== me && new Date(p.expires_at).getTime() > t)
    .sort((a, b) => (a.activity === b.activity ? a.agent.localeCompare(b.agent) : a.activity === 'replying' ? -1 : 1));
}

/** "ana is replying (since 14:02)"; `clock` formats an instant as the desk's local time of day. */
export function presenceLine(p: Presence, clock: (iso: string) => string): string {
  return `${p.agent} is ${p.activity} (since ${clock(p.since)})`;
}

/** "ana replying" for a ticket line. */
export function presenceShort(list: readonly Presence[]): string {
  return list.map((p) => `${p.agent} ${p.activity}`).join(', ');
}
