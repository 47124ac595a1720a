import { copyFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { packageRoot } from '../../paths.js';
import { Readable } from 'node:stream';
import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { DEMO_AGENTS, demoTickets } from '../../domain/demo.js';
import { isoSeconds } from '../../domain/types.js';
import { addAgent } from '../../store/repos/agents.js';
import { countTickets } from '../../store/repos/tickets.js';
import { configPath, setKey } from '../../config.js';
import { hasPassword, shownLocation, withoutPassword } from '../../store/location.js';

export interface InitOptions {
  demo?: boolean;
  /** the database named by --db or DESK_DB, which the config must learn */
  namedDb?: string;
}

export async function runInit(ctx: Ctx, opts: InitOptions): Promise<void> {
  const location = await ctx.dbLocation();
  const store = await ctx.store({ create: true }); // the one command that creates a database
  const say = (s: string) => ctx.io.err(s + '\n');
  say(`${!store.created ? 'database already there' : 'created the database'}: ${shownLocation(location)}`);
  const cfg = configPath();
  if (!existsSync(cfg)) {
    await setKey(cfg, 'agent', await ctx.actor());
    say(`wrote a config file: ${cfg}`);
  }
  await recordDatabase(ctx, cfg, opts.namedDb, say);
  if (!opts.demo) {
    const setup = await import('./mail-setup.js');
    if (setup.mayAsk(ctx)) await setup.offerMailSetup(ctx, cfg, say);
    return;
  }
  if ((await countTickets(store.db, {})) > 0) {
    throw new UsageError(`the database ${shownLocation(location)} already has tickets; the demo needs an empty one`, 'use --db /tmp/demo.db (or DESK_DB) for a separate demo desk');
  }
  const now = ctx.now();
  await store.write(async (tx) => {
    for (const a of DEMO_AGENTS) if (!(await tx.selectFrom('agents').select('id').where('name', '=', a.name).executeTakeFirst())) await addAgent(tx, { ...a, away: false }, isoSeconds(now));
  });
  const lines = demoTickets(now).map((t) => JSON.stringify(t)).join('\n');
  const { importStream } = await import('../transfer/import.js');
  const summary = await importStream(ctx, Readable.from([lines]), { strict: true });
  const { seedDemoSurveys } = await import('../csat/demo.js');
  const surveys = await store.write((tx) => seedDemoSurveys(tx, now));
  say(`seeded a demo desk: ${summary.imported} tickets, ${summary.messages} messages, ${DEMO_AGENTS.length} agents, ${surveys} satisfaction surveys`);
  // After seeding, so the demo history stays as generated: starter SLA policy and rules.
  for (const [key, file] of [['sla', 'sla.example.yaml'], ['rules', 'rules.example.yaml']] as const) {
    if ((await ctx.config())[key]) continue;
    const target = join(dirname(cfg), file.replace('.example', ''));
    if (!existsSync(target)) copyFileSync(join(packageRoot(), 'templates', file), target);
    await setKey(cfg, key, target);
    say(`${key === 'sla' ? 'SLA policy' : 'triage and escalation rules'}: ${target}`);
  }
  say('try: desk list --sort sla · desk show 1 · desk sla report · desk sla at-risk · desk triage');
}

/**
 * What `init` created is what the next commands use: a database named by --db or DESK_DB is
 * written into the config's `db` (as an absolute path, or the URL as given), so that `desk list`
 * without DESK_DB finds it. A config that named another database is told where it was.
 */
async function recordDatabase(ctx: Ctx, cfg: string, named: string | undefined, say: (s: string) => void): Promise<void> {
  if (!named) return;
  // A password in a postgres:// URL stays out of the config; PGPASSWORD or ~/.pgpass supply it.
  const location = /^[a-z][a-z0-9+.-]*:\/\//i.test(named) ? withoutPassword(named) : resolve(named);
  const before = (await ctx.config()).db;
  if (before === location) return;
  await setKey(cfg, 'db', JSON.stringify(location));
  say(`the config now names this database (db: ${location}), so desk commands use it without --db or DESK_DB`);
  if (hasPassword(named)) say('  the password in the URL was not written into the config: give it in PGPASSWORD or ~/.pgpass');
  if (before) say(`  it named ${shownLocation(before)} before; \`desk config set db ${shownLocation(before)}\` goes back to that one`);
}
