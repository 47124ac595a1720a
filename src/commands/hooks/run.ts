// desk hooks [list] | run | retry ID… | test EVENT
import type { Ctx } from '../../cli/context.js';
import { NotFoundError, RemoteError, UsageError } from '../../errors.js';
import { isHookEvent, sampleEvent, HOOK_EVENTS } from '../../domain/hooks.js';
import { isoSeconds } from '../../domain/types.js';
import { deliverHooks, deliverOnce, listDeliveries, retryDeliveries, type DeliveryResult, type HookDelivery } from '../../mail/hook-delivery.js';
import { printJson, printTable } from '../../ui/output.js';
import { safeLine } from '../../ui/safe-text.js';
import { relative } from '../../ui/time.js';
import { destinationsFor, resolverOf } from './destinations.js';
import { fireSlaHooks } from './sla.js';

function whenText(d: HookDelivery, now: Date): string {
  if (d.state === 'delivered') return d.delivered_at ? `delivered ${relative(d.delivered_at, now)}` : 'delivered';
  if (d.state === 'pending' && d.next_attempt_at) return `retry ${relative(d.next_attempt_at, now)}`;
  return `since ${relative(d.updated_at, now)}`;
}

export async function runHooksList(ctx: Ctx, opts: { all?: boolean }): Promise<void> {
  const store = await ctx.store();
  const list = await listDeliveries(store.db, { all: opts.all });
  if (ctx.json) return printJson(ctx.io, list);
  if (!list.length) {
    ctx.io.err(opts.all ? 'no hook deliveries yet\n' : 'nothing waiting to be delivered to hooks\n');
    return;
  }
  const now = ctx.now();
  await printTable(
    ctx.io,
    ['ID', 'EVENT', 'TICKET', 'HOOK', 'STATE', 'TRIES', 'WHEN', 'LAST ERROR'],
    list.map((d) => [d.id, d.event, d.ticket_id === null ? '' : `#${d.ticket_id}`, d.hook, d.state, d.attempts, whenText(d, now), d.last_error ?? '']),
    { colWidths: [5, 18, 8, 14, 11, 6, 18, null] },
  );
  if (list.some((d) => d.state === 'failed')) ctx.io.err('"failed": desk gave up on it (it stays listed); fix the hook, the event is in the list as it was\n');
}

const VERB: Record<DeliveryResult['outcome'], string> = { delivered: 'delivered', retry: 'not delivered, will retry', failed: 'failed, given up', waiting: 'waiting' };

export function resultLine(r: DeliveryResult): string {
  return `delivery #${r.id} (${r.event}${r.ticket_id === null ? '' : `, ticket #${r.ticket_id}`}, hook ${safeLine(r.hook)}): ${VERB[r.outcome]}: ${safeLine(r.detail)}`;
}

/** `desk hooks run`: SLA events first (they are deliveries too), then everything due. Exit 5 when a delivery failed. */
export async function runHooksRun(ctx: Ctx, _opts: { json?: boolean }): Promise<void> {
  const config = await ctx.config();
  const fired = await fireSlaHooks(ctx);
  const store = await ctx.store();
  const results = await deliverHooks({ store, now: () => ctx.now(), resolve: resolverOf(config), dueOnly: true });
  if (ctx.json) printJson(ctx.io, results);
  else {
    if (fired) ctx.io.err(`${fired} SLA event${fired > 1 ? 's' : ''} fired\n`);
    if (!results.length) ctx.io.err('nothing to deliver\n');
    for (const r of results) ctx.io.out(resultLine(r) + '\n');
  }
  const bad = results.filter((r) => r.outcome === 'retry' || r.outcome === 'failed');
  if (bad.length) {
    const first = bad[0]!;
    throw new RemoteError(
      `delivery #${first.id} to hook ${safeLine(first.hook)}: ${safeLine(first.detail)}${bad.length > 1 ? ` (and ${bad.length - 1} more)` : ''}`,
      first.outcome === 'retry' ? `it stays pending; the next \`desk hooks run\` from ${first.next_attempt_at} on tries again` : 'desk gave up on it; `desk hooks list` shows it',
    );
  }
}

/** `desk hooks test EVENT`: a sample to every hook that wants it, directly (no queue). Exit 5 when one did not take it. */
export async function runHooksTest(ctx: Ctx, event: string, _opts: { json?: boolean }): Promise<void> {
  if (!isHookEvent(event)) throw new UsageError(`unknown event '${event}' (known: ${HOOK_EVENTS.join(', ')})`);
  const config = await ctx.config();
  const dests = destinationsFor(config, event);
  if (!dests.length) throw new NotFoundError(`no hook is configured for ${event}`, 'add one under hooks: in the config (docs: desk hooks)');
  const body = JSON.stringify(sampleEvent(event, isoSeconds(ctx.now())));
  const results = [];
  for (const d of dests) {
    const outcome = await deliverOnce(d, body, event, 'test');
    results.push({ hook: d.hook, kind: d.kind, target: d.target, delivered: outcome.ok, detail: outcome.detail });
  }
  if (ctx.json) printJson(ctx.io, results);
  else for (const r of results) ctx.io.out(`${safeLine(r.hook)} (${r.kind} ${safeLine(r.target)}): ${r.delivered ? 'delivered' : 'NOT delivered'}: ${safeLine(r.detail)}\n`);
  const bad = results.filter((r) => !r.delivered);
  if (bad.length) throw new RemoteError(`${bad.length} of ${results.length} hook${results.length > 1 ? 's' : ''} did not take the sample ${event}`);
}

/** `desk hooks retry ID…`: failed or pending deliveries due again now, attempts counted afresh. */
export async function runHooksRetry(ctx: Ctx, ids: string[], _opts: { json?: boolean }): Promise<void> {
  const wanted = ids.map((v) => {
    const m = /^#?(\d{1,15})$/.exec(v.trim());
    if (!m) throw new UsageError(`invalid delivery id '${v}' (a number, as \`desk hooks list\` shows it)`);
    return Number(m[1]);
  });
  const store = await ctx.store();
  const list = await retryDeliveries(store, wanted, ctx.now());
  if (ctx.json) return printJson(ctx.io, list);
  for (const d of list) ctx.io.out(`delivery #${d.id} (${d.event}, hook ${safeLine(d.hook)}): pending again, due now\n`);
  ctx.io.err('`desk hooks run` delivers it\n');
}
