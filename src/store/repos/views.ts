// Saved views: named queries, an agent's own or the team's (docs/cli.md: view).
import type { Kysely } from 'kysely';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { DB } from '../schema.js';

export interface View {
  name: string;
  /** null: shared */
  owner: string | null;
  query: string;
  sort: string | null;
}

const COLUMNS = ['name', 'owner', 'query', 'sort'] as const;

/** The views an agent sees: their own, then the shared ones, each by name. */
export async function listViews(db: Kysely<DB>, agent: string): Promise<View[]> {
  const rows = await db.selectFrom('views').select(COLUMNS)
    .where((eb) => eb.or([eb('owner', '=', agent), eb('owner', 'is', null)]))
    .execute();
  return rows.sort((a, b) => (a.owner === null ? 1 : 0) - (b.owner === null ? 1 : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The agent's own view of that name, else the shared one (NotFoundError when neither). */
export async function findView(db: Kysely<DB>, agent: string, name: string): Promise<View> {
  const found = (await listViews(db, agent)).find((v) => v.name === name);
  if (!found) throw new NotFoundError(`no view named '${name}'`, "see 'desk view list', or save one with 'desk view add NAME QUERY'");
  return found;
}

export async function addView(tx: Kysely<DB>, view: View, at: string): Promise<void> {
  const q = tx.selectFrom('views').select('id').where('name', '=', view.name);
  const exists = await (view.owner === null ? q.where('owner', 'is', null) : q.where('owner', '=', view.owner)).executeTakeFirst();
  if (exists) {
    throw new ConflictError(
      `a ${view.owner === null ? 'shared view' : 'view of yours'} named '${view.name}' exists already`,
      `'desk view rm ${view.name}${view.owner === null ? ' --shared' : ''}' first to replace it`,
    );
  }
  await tx.insertInto('views').values({ ...view, created_at: at }).execute();
}

/** Removes the agent's own view (or the shared one, `shared`); NotFoundError when there is none. */
export async function removeView(tx: Kysely<DB>, owner: string | null, name: string): Promise<void> {
  const q = tx.deleteFrom('views').where('name', '=', name);
  const r = await (owner === null ? q.where('owner', 'is', null) : q.where('owner', '=', owner)).executeTakeFirst();
  if (!Number(r.numDeletedRows)) throw new NotFoundError(`no ${owner === null ? 'shared view' : 'view of yours'} named '${name}'`, "see 'desk view list'");
}
