// Agents: the people who work tickets, with their tier.
import type { Kysely } from 'kysely';
import { NotFoundError, UsageError } from '../../cli/errors.js';
import type { DB } from '../schema.js';

export interface Agent {
  name: string;
  email: string;
  tier: string;
  away: boolean;
}

export async function listAgents(db: Kysely<DB>): Promise<Agent[]> {
  const rows = await db.selectFrom('agents').selectAll().orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, email: r.email, tier: r.tier, away: !!r.away }));
}

export async function getAgent(db: Kysely<DB>, name: string): Promise<Agent> {
  const r = await db.selectFrom('agents').selectAll().where('name', '=', name).executeTakeFirst();
  if (!r) throw new NotFoundError(`no agent named '${name}'`, "see 'desk agent list', or add one with 'desk agent add NAME --email E'");
  return { name: r.name, email: r.email, tier: r.tier, away: !!r.away };
}

export async function addAgent(tx: Kysely<DB>, a: Agent, at: string): Promise<void> {
  const exists = await tx.selectFrom('agents').select('id').where('name', '=', a.name).executeTakeFirst();
  if (exists) throw new UsageError(`an agent named '${a.name}' already exists`);
  await tx.insertInto('agents').values({ name: a.name, email: a.email, tier: a.tier, away: a.away ? 1 : 0, created_at: at }).execute();
}

export async function setAgentAway(tx: Kysely<DB>, name: string, away: boolean): Promise<void> {
  await getAgent(tx, name);
  await tx.updateTable('agents').set({ away: away ? 1 : 0 }).where('name', '=', name).execute();
}
