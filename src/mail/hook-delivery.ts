// Delivering hook events (docs/cli.md, Hooks) from the durable queue the writes fill
// (store/hook-events.ts): each delivery row is claimed like an outbox entry (store/claims.ts), so
// two runners never deliver one twice, then POSTed to its URL or piped into its command, and
// recorded: delivered, or pending again with a back-off, or after GIVE_UP_AFTER attempts failed
// (still listed). A runner that died while `sending` leaves its row to be taken up again:
// receivers tell a repeat by X-Desk-Delivery.
//
//   URL:      POST, body the event JSON; X-Desk-Event, X-Desk-Delivery, and with a secret
//             X-Desk-Signature: sha256=<hex HMAC-SHA256 of the body>; a 2xx answer = delivered.
//   command:  `sh -c COMMAND`, the event JSON on stdin, DESK_EVENT and DESK_DELIVERY in its
//             environment; exit 0 = delivered. Killed (with its children) at the time limit.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Kysely } from 'kysely';
import type { Store } from '../store/index.js';
import type { DB } from '../store/schema.js';
import { claimRow } from '../store/claims.js';
import { GIVE_UP_AFTER, hookBackoffMs, type DeliveryState, type HookKind } from '../domain/hooks.js';
import { isoSeconds } from '../domain/types.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { processClaimant, type Claimant } from './outbox.js';
import { durationText, withDeadline } from './timeouts.js';

/** A destination as the config describes it now: where, how long, and the signing key. */
export interface HookDestination {
  hook: string;
  kind: HookKind;
  target: string;
  timeoutMs: number;
  /** the HMAC key for X-Desk-Signature (URL hooks); undefined: unsigned */
  secret?: string;
}

/**
 * The config's destination for a delivery's (kind, target): null when no hook of the config
 * goes there any more. Throws (a UsageError) when it cannot be used (its secretEnv is unset).
 */
export type ResolveDestination = (kind: HookKind, target: string) => HookDestination | null;

export interface DeliveryOutcome {
  ok: boolean;
  detail: string;
}

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const DETAIL_MAX = 300;
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, DETAIL_MAX);

/** POSTs the event; resolves with what happened (never rejects). */
export function postEvent(dest: HookDestination, body: string, event: string, deliveryId: string, timeoutMs = dest.timeoutMs): Promise<DeliveryOutcome> {
  let url: URL;
  try {
    url = new URL(dest.target);
  } catch {
    return Promise.resolve({ ok: false, detail: `not a URL: ${dest.target}` });
  }
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'User-Agent': 'desk-hooks',
    'X-Desk-Event': event,
    'X-Desk-Delivery': deliveryId,
    Connection: 'close',
  };
  if (dest.secret !== undefined) headers['X-Desk-Signature'] = signature(dest.secret, body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  let req: ReturnType<typeof httpRequest> | undefined;
  const work = new Promise<DeliveryOutcome>((resolve, reject) => {
    req = send(url, { method: 'POST', headers, agent: false }, (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { if (text.length < DETAIL_MAX) text += chunk; });
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        resolve({ ok, detail: `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}${!ok && text ? `: ${oneLine(text)}` : ''}` });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
  return withDeadline('HTTP', `POST to ${url.host}`, timeoutMs, () => req?.destroy(), work).catch((err: Error & { code?: string }) => ({
    ok: false,
    detail: oneLine(err.name === 'StepTimeout' ? err.message : `${url.host}: ${err.code ?? ''} ${err.message}`),
  }));
}

/** Runs the command with the event on stdin; resolves with what happened (never rejects). */
export function runCommand(dest: HookDestination, body: string, event: string, deliveryId: string, timeoutMs = dest.timeoutMs): Promise<DeliveryOutcome> {
  return new Promise<DeliveryOutcome>((resolve) => {
    const child = spawn('/bin/sh', ['-c', dest.target], {
      stdio: ['pipe', 'ignore', 'pipe'],
      detached: true, // its own process group: a timeout kills what it started too
      env: { ...process.env, DESK_EVENT: event, DESK_DELIVERY: deliveryId },
    });
    let stderr = '';
    let timedOut = false;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-2000); });
    child.stdin!.on('error', () => undefined); // a command that does not read its input
    child.stdin!.end(body);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, detail: oneLine(`cannot run the command: ${err.message}`) });
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      const said = stderr.trim() ? `: ${oneLine(stderr.trim().split('\n').at(-1)!)}` : '';
      if (timedOut) resolve({ ok: false, detail: `hook command timed out after ${durationText(timeoutMs)}` });
      else if (code === 0) resolve({ ok: true, detail: 'exit 0' });
      else resolve({ ok: false, detail: `${code === null ? `killed by ${sig}` : `exit ${code}`}${said}` });
    });
  });
}

export function deliverOnce(dest: HookDestination, body: string, event: string, deliveryId: string, timeoutMs?: number): Promise<DeliveryOutcome> {
  return dest.kind === 'url' ? postEvent(dest, body, event, deliveryId, timeoutMs) : runCommand(dest, body, event, deliveryId, timeoutMs);
}

// ---- the queue -----------------------------------------------------------------------------------

/** A delivery as `desk hooks list` shows it (field names are the --json contract). */
export interface HookDelivery {
  id: number;
  event_id: number;
  event: string;
  ticket_id: number | null;
  hook: string;
  kind: HookKind;
  target: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

function deliveryQuery(db: Kysely<DB>) {
  return db
    .selectFrom('hook_deliveries as d')
    .innerJoin('hook_events as e', 'e.id', 'd.event_id')
    .select([
      'd.id', 'd.event_id', 'e.type', 'e.ticket_id', 'd.hook', 'd.kind', 'd.target', 'd.state', 'd.attempts', 'd.next_attempt_at',
      'd.last_error', 'd.created_at', 'd.updated_at', 'd.delivered_at', 'd.claimed_by', 'd.claimed_at',
    ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof deliveryQuery>['executeTakeFirstOrThrow']>>;

function toDelivery(r: Row): HookDelivery {
  return {
    id: Number(r.id), event_id: Number(r.event_id), event: r.type, ticket_id: r.ticket_id === null ? null : Number(r.ticket_id),
    hook: r.hook, kind: r.kind as HookKind, target: r.target, state: r.state as DeliveryState, attempts: Number(r.attempts),
    next_attempt_at: r.next_attempt_at, last_error: r.last_error, created_at: r.created_at, updated_at: r.updated_at, delivered_at: r.delivered_at,
  };
}

/** Deliveries not yet delivered (or all, or these ids), oldest first. */
export async function listDeliveries(db: Kysely<DB>, opts: { all?: boolean; ids?: number[] } = {}): Promise<HookDelivery[]> {
  let q = deliveryQuery(db).orderBy('d.id');
  if (!opts.all) q = q.where('d.state', '!=', 'delivered');
  if (opts.ids) q = q.where('d.id', 'in', opts.ids.length ? opts.ids : [-1]);
  return (await q.execute()).map(toDelivery);
}

/**
 * `desk hooks retry`: failed (given up) and pending deliveries are pending again, due now, their
 * attempts counted afresh; all or none (an unknown id is exit 3, one being delivered or
 * delivered already exit 4). A compare-and-set on (id, state), like the outbox's retry.
 */
export async function retryDeliveries(store: Store, ids: number[], now: Date): Promise<HookDelivery[]> {
  const wanted = [...new Set(ids)];
  const at = isoSeconds(now);
  await store.write(async (tx) => {
    const found = await listDeliveries(tx, { all: true, ids: wanted });
    const missing = wanted.filter((id) => !found.some((d) => d.id === id));
    if (missing.length) throw new NotFoundError(`no hook delivery ${missing.map((id) => `#${id}`).join(', ')}; nothing was changed`, 'see `desk hooks list --all` for every delivery');
    const stuck = found.find((d) => d.state !== 'failed' && d.state !== 'pending');
    if (stuck) {
      throw new ConflictError(`cannot retry hook delivery #${stuck.id}: it is ${stuck.state === 'sending' ? 'being delivered right now' : 'delivered already'}; nothing was changed`, 'only failed or pending deliveries can be retried');
    }
    for (const d of found) {
      const r = await tx.updateTable('hook_deliveries')
        .set({ state: 'pending', attempts: 0, next_attempt_at: at, updated_at: at })
        .where('id', '=', d.id)
        .where('state', '=', d.state)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new ConflictError(`cannot retry hook delivery #${d.id}: it changed under you; nothing was changed`, 'look at `desk hooks list --all` and decide again');
    }
  });
  return listDeliveries(store.db, { all: true, ids: wanted });
}

/**
 *  delivered  the hook took it
 *  retry      it did not: pending again, next_attempt_at set
 *  failed     it did not, for the last time (GIVE_UP_AFTER attempts), or its hook is gone from the config
 *  waiting    not tried: back-off not over, or no time left
 */
export type DeliveryOutcomeName = 'delivered' | 'retry' | 'failed' | 'waiting';

export interface DeliveryResult {
  id: number;
  event_id: number;
  event: string;
  ticket_id: number | null;
  hook: string;
  outcome: DeliveryOutcomeName;
  detail: string;
  next_attempt_at?: string | null;
}

export interface DeliverOptions {
  store: Store;
  now: () => Date;
  resolve: ResolveDestination;
  /** only these deliveries (those a command just wrote) */
  ids?: number[];
  /** respect the back-off (every automatic run does; `desk hooks run` too) */
  dueOnly?: boolean;
  /** stop starting deliveries, and cut attempts short, after this many milliseconds */
  budgetMs?: number;
  claimant?: Claimant;
  /** a `sending` claim older than this is taken up again even if its process cannot be checked */
  staleAfterMs?: number;
}

const DEFAULT_STALE_MS = 10 * 60_000;

/** `sending` rows whose runner died (or went silent too long) are pending again: delivered at least once. */
async function recoverAbandoned(opts: DeliverOptions, claimant: Claimant): Promise<void> {
  const rows = await opts.store.db.selectFrom('hook_deliveries').select(['id', 'claimed_by', 'claimed_at', 'attempts']).where('state', '=', 'sending').execute();
  const nowMs = opts.now().getTime();
  for (const r of rows) {
    const alive = r.claimed_by ? claimant.isAlive(r.claimed_by) : false;
    const stale = !r.claimed_at || nowMs - Date.parse(r.claimed_at) > (opts.staleAfterMs ?? DEFAULT_STALE_MS);
    if (alive !== false && !stale) continue;
    const at = isoSeconds(opts.now());
    await opts.store.write((tx) =>
      tx.updateTable('hook_deliveries')
        .set({ state: 'pending', claimed_by: null, claimed_at: null, updated_at: at, next_attempt_at: null, last_error: `desk stopped while delivering it (${r.claimed_by ?? 'unknown process'})` })
        .where('id', '=', r.id)
        .where('state', '=', 'sending')
        .where('attempts', '=', r.attempts)
        .execute(), { concurrent: true });
  }
}

async function record(opts: DeliverOptions, d: HookDelivery, outcome: DeliveryOutcome, giveUp: boolean): Promise<DeliveryResult> {
  const nowDate = opts.now();
  const at = isoSeconds(nowDate);
  const attempts = d.attempts + 1;
  let result: DeliveryResult;
  const base = { id: d.id, event_id: d.event_id, event: d.event, ticket_id: d.ticket_id, hook: d.hook };
  let set: { state: DeliveryState; last_error: string | null; next_attempt_at: string | null; delivered_at?: string };
  if (outcome.ok) {
    set = { state: 'delivered', last_error: null, next_attempt_at: null, delivered_at: at };
    result = { ...base, outcome: 'delivered', detail: outcome.detail };
  } else if (giveUp || attempts >= GIVE_UP_AFTER) {
    set = { state: 'failed', last_error: outcome.detail, next_attempt_at: null };
    result = { ...base, outcome: 'failed', detail: giveUp ? outcome.detail : `${outcome.detail} (gave up after ${attempts} attempts)`, next_attempt_at: null };
  } else {
    const next = isoSeconds(new Date(nowDate.getTime() + hookBackoffMs(attempts)));
    set = { state: 'pending', last_error: outcome.detail, next_attempt_at: next };
    result = { ...base, outcome: 'retry', detail: outcome.detail, next_attempt_at: next };
  }
  await opts.store.write((tx) =>
    tx.updateTable('hook_deliveries')
      .set({ ...set, claimed_by: null, claimed_at: null, updated_at: at })
      .where('id', '=', d.id)
      .where('state', '=', 'sending')
      .execute(), { concurrent: true });
  return result;
}

/** Delivers what is due (or the given ids), one after the other; reports each delivery it looked at. */
export async function deliverHooks(opts: DeliverOptions): Promise<DeliveryResult[]> {
  const started = Date.now();
  const left = () => (opts.budgetMs === undefined ? Infinity : opts.budgetMs - (Date.now() - started));
  const claimant = opts.claimant ?? processClaimant();
  if (!opts.ids) await recoverAbandoned(opts, claimant);
  const nowIso = isoSeconds(opts.now());
  const due = (await listDeliveries(opts.store.db, { ids: opts.ids })).filter((d) => d.state === 'pending');
  const results: DeliveryResult[] = [];
  const bodies = new Map<number, string>();
  for (const d of due) {
    const base = { id: d.id, event_id: d.event_id, event: d.event, ticket_id: d.ticket_id, hook: d.hook };
    if (opts.dueOnly && d.next_attempt_at && d.next_attempt_at > nowIso) {
      results.push({ ...base, outcome: 'waiting', detail: `next attempt at ${d.next_attempt_at}`, next_attempt_at: d.next_attempt_at });
      continue;
    }
    if (left() <= 0) {
      results.push({ ...base, outcome: 'waiting', detail: 'not tried: no time left; `desk hooks run` delivers it' });
      continue;
    }
    let dest: HookDestination | null;
    let problem: string | null = null;
    try {
      dest = opts.resolve(d.kind, d.target);
    } catch (err) {
      dest = null;
      problem = (err as Error).message;
    }
    if (!(await claimRow(opts.store, 'hook_deliveries', d.id, { state: 'pending', attempts: d.attempts }, { by: claimant.id, at: isoSeconds(opts.now()) }))) continue;
    if (!dest) {
      const gone = problem === null;
      results.push(await record(opts, d, { ok: false, detail: problem ?? `no hook in the config goes to this ${d.kind} any more` }, gone));
      continue;
    }
    let body = bodies.get(d.event_id);
    if (body === undefined) {
      const row = await opts.store.db.selectFrom('hook_events').select('payload').where('id', '=', d.event_id).executeTakeFirstOrThrow();
      body = row.payload;
      bodies.set(d.event_id, body);
    }
    const timeoutMs = Math.max(1, Math.min(dest.timeoutMs, left()));
    results.push(await record(opts, d, await deliverOnce(dest, body, d.event, String(d.id), timeoutMs), false));
  }
  return results;
}
