// desk sync --quarantined: the mail desk could not read, with the reason, so nobody has to
// take "nothing is lost" on trust. The raw message stays in the database for --replay.
import type { Ctx } from '../../cli/context.js';
import { printJson, printTable } from '../../ui/output.js';
import { syncDb } from '../../mail/sync-schema.js';

export async function listQuarantine(ctx: Ctx): Promise<void> {
  const store = await ctx.store();
  const rows = await syncDb(store.db)
    .selectFrom('mail_quarantine')
    .select(['id', 'account', 'mailbox', 'uid', 'reason', 'received_at', 'raw_sha256'])
    .where('resolved_at', 'is', null)
    .orderBy('id')
    .execute();
  if (ctx.json) return printJson(ctx.io, rows.map((r) => ({ ...r, id: Number(r.id), uid: Number(r.uid) })));
  if (!rows.length) {
    ctx.io.err('no quarantined mail\n');
    return;
  }
  await printTable(
    ctx.io,
    ['Account', 'Mailbox', 'UID', 'Received', 'Reason'],
    rows.map((r) => [r.account, r.mailbox, Number(r.uid), r.received_at, r.reason]),
    { colWidths: [12, 10, 8, 22, null] },
  );
  ctx.io.err(`${rows.length} quarantined; after an upgrade, 'desk sync --replay' tries them again\n`);
}
