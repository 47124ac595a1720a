// Agents: the people who work tickets, with their tier.
import type { Kysely } from 'kysely';
import { NotFoundError, UsageError } from '../../errors.js';
import type { DB } from '../schema.js';

export interface Agent {
  name: string;
  email: string;
  tier: string;
  away: boolean;
  /** how customers read the name; null: the login name */
  display_name: string | null;
  /** closes replies; null: "Best regards," and the display name */
  signature: string | null;
}

type AgentRow = { name: string; email: string; tier: string; away: number; display_name: string | null; signature: string | null };
const agentOf = (r: AgentRow): Agent => ({ name: r.name, email: r.email, tier: r.tier, away: !!r.away, display_name: r.display_name ?? null, signature: r.signature ?? null });

export async function listAgents(db: Kysely<DB>): Promise<Agent[]> {
  const rows = await db.selectFrom('agents').selectAll().orderBy('name').execute();
  return rows.map(agentOf);
}

export async function getAgent(db: Kysely<DB>, name: string): Promise<Agent> {
  const r = await db.selectFrom('agents').selectAll().where('name', '=', name).executeTakeFirst();
  if (!r) throw new NotFoundError(`no agent named '${name}'`, "see 'desk agent list', or add one with 'desk agent add NAME --email E'");
  return agentOf(r);
}

export type NewAgent = Omit<Agent, 'display_name' | 'signature'> & Partial<Pick<Agent, 'display_name' | 'signature'>>;

export async function addAgent(tx: Kysely<DB>, a: NewAgent, at: string): Promise<void> {
  const exists = await tx.selectFrom('agents').select('id').where('name', '=', a.name).executeTakeFirst();
  if (exists) throw new UsageError(`an agent named '${a.name}' already exists`);
  await tx.insertInto('agents').values({
    name: a.name, email: a.email, tier: a.tier, away: a.away ? 1 : 0, created_at: at,
    display_name: a.display_name ?? null, signature: a.signature ?? null,
  }).execute();
}

/** Changes the fields given (null clears display_name or signature). */
export async function updateAgent(tx: Kysely<DB>, name: string, change: Partial<Pick<Agent, 'email' | 'tier' | 'display_name' | 'signature'>>): Promise<Agent> {
  await getAgent(tx, name);
  if (Object.keys(change).length) await tx.updateTable('agents').set(change).where('name', '=', name).execute();
  return getAgent(tx, name);
}

export async function setAgentAway(tx: Kysely<DB>, name: string, away: boolean): Promise<void> {
  await getAgent(tx, name);
  await tx.updateTable('agents').set({ away: away ? 1 : 0 }).where('name', '=', name).execute();
}
