// Ctx: what every command needs, built lazily so that a command pays only for what it uses.
import { DEFAULT_TIERS } from '../domain/types.js';
import { parseInstant } from '../domain/instant.js';
import { processIo, type Io } from '../ui/io.js';
import type { Config, LoadedConfig } from '../config.js';
import type { Store } from '../store/index.js';

export interface GlobalOptions {
  db?: string;
  json?: boolean;
  color?: boolean; // commander's --no-color sets false
  now?: string;
  allowNetworkFs?: boolean;
}

export interface Ctx {
  io: Io;
  json: boolean;
  /** --now / DESK_NOW, else the real clock: the one place commands read the time. */
  now(): Date;
  /** who acts: DESK_AGENT, else the config's agent, else the OS user */
  actor(): Promise<string>;
  config(): Promise<Config>;
  loadedConfig(): Promise<LoadedConfig>;
  /**
   * The opened, migrated store. A missing database file is NotFoundError (exit 3), unless
   * `create` (only `desk init` creates one); the first call decides.
   */
  store(opts?: { create?: boolean }): Promise<Store>;
  /** where the database lives: --db, DESK_DB, config db, else the XDG data dir */
  dbLocation(): Promise<string>;
  /** …and which of those said so, for messages ("DESK_DB", "--db", "config db in …") */
  dbOrigin(): Promise<string>;
  tiers(): Promise<string[]>;
  close(): Promise<void>;
}

/** How long a command spends at its end delivering the hook events it caused (the rest: `desk hooks run`). */
const HOOK_BUDGET_MS = 2000;

export function makeCtx(opts: GlobalOptions, io: Io = processIo(opts.color === false)): Ctx {
  let loaded: Promise<LoadedConfig> | undefined;
  let store: Promise<Store> | undefined;
  /** hook deliveries this command's writes queued: tried once at its end */
  const hookDeliveries: number[] = [];
  const fixedNow = opts.now ?? process.env.DESK_NOW;
  const nowDate = fixedNow ? parseInstant(fixedNow, opts.now ? '--now' : 'DESK_NOW') : undefined;

  const ctx: Ctx = {
    io,
    json: !!opts.json,
    now: () => (nowDate ? new Date(nowDate) : new Date()),
    loadedConfig: () => (loaded ??= import('../config.js').then((m) => m.loadConfig())),
    config: async () => (await ctx.loadedConfig()).data,
    async actor() {
      if (process.env.DESK_AGENT) {
        const { checkIdentifier } = await import('../domain/identifiers.js');
        return checkIdentifier('agent name', process.env.DESK_AGENT, 'DESK_AGENT');
      }
      const cfg = await ctx.config();
      if (cfg.agent) return cfg.agent;
      const { userInfo } = await import('node:os');
      return userInfo().username;
    },
    async dbLocation() {
      if (opts.db) return opts.db;
      if (process.env.DESK_DB) return process.env.DESK_DB;
      const cfg = await ctx.config();
      if (cfg.db) return cfg.db;
      return (await import('../config.js')).defaultDbPath();
    },
    async dbOrigin() {
      if (opts.db) return '--db';
      if (process.env.DESK_DB) return 'DESK_DB';
      const loaded = await ctx.loadedConfig();
      if (loaded.data.db) return `db in ${loaded.path}`;
      return 'the default location';
    },
    store: (o = {}) =>
      (store ??= (async () => {
        const { openStore } = await import('../store/index.js');
        const config = await ctx.config();
        const targets = config.hooks?.length ? (await import('../commands/hooks/destinations.js')).hookTargets(config) : [];
        return openStore({
          hooks: targets.length ? { targets, queued: (ids) => hookDeliveries.push(...ids), now: () => ctx.now() } : undefined,
          location: await ctx.dbLocation(),
          allowNetworkFs: opts.allowNetworkFs,
          mustExist: !o.create,
          origin: await ctx.dbOrigin(),
        });
      })()),
    async tiers() {
      const cfg = await ctx.config();
      return cfg.tiers?.length ? cfg.tiers : [...DEFAULT_TIERS];
    },
    async close() {
      if (!store) return;
      const opened = await store.catch(() => undefined);
      if (opened && hookDeliveries.length) await deliverCaused(opened);
      await opened?.close();
    },
  };
  /**
   * The hook events this command caused, delivered briefly (HOOK_BUDGET_MS in all) once its work is
   * committed; whatever is not delivered stays queued for `desk hooks run`. Never changes the exit code.
   */
  async function deliverCaused(opened: Store): Promise<void> {
    try {
      const [{ deliverHooks }, { resolverOf }] = await Promise.all([import('../mail/hook-delivery.js'), import('../commands/hooks/destinations.js')]);
      await deliverHooks({ store: opened, now: () => ctx.now(), resolve: resolverOf(await ctx.config()), ids: [...new Set(hookDeliveries)], dueOnly: true, budgetMs: HOOK_BUDGET_MS });
    } catch {
      // queued all the same: `desk hooks run` delivers it
    }
  }
  return ctx;
}
