// desk db migrate-to URL: copies the SQLite desk in use into an empty PostgreSQL database, shows
// progress on a terminal, prints the verified row counts and how to switch to the new database.
import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { isPostgresUrl } from '../../store/index.js';
import { hasPassword, shownLocation, withoutPassword } from '../../store/location.js';
import { jsonText } from '../../ui/safe-text.js';

/** Shown only for copies big enough to wait for. */
const MIN_ROWS_FOR_BAR = 5000;

function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export async function runMigrateTo(ctx: Ctx, url: string, opts: { json?: boolean }): Promise<void> {
  if (!isPostgresUrl(url)) {
    throw new UsageError(`migrate-to copies into PostgreSQL, not into '${shownLocation(url)}'`, 'give the URL of an empty database: postgres://user@host:5432/database');
  }
  const { describeUrl } = await import('../../store/postgres.js');
  const shown = describeUrl(url).shown; // a malformed URL is exit 2 before anything is opened
  const store = await ctx.store();
  const { copyToPostgres } = await import('../../store/copy.js');

  let bar: import('cli-progress').SingleBar | undefined;
  if (ctx.io.progress && !ctx.json) {
    const { default: cliProgress } = await import('cli-progress');
    bar = new cliProgress.SingleBar(
      { format: 'copying {table} [{bar}] {percentage}% {value}/{total} rows', stream: ctx.io.progress, hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
  }
  let started = false;
  const progress = (done: number, total: number, table: string) => {
    if (!bar || total < MIN_ROWS_FOR_BAR) return;
    if (!started) {
      bar.start(total, done, { table });
      started = true;
    } else bar.update(done, { table });
  };
  let result;
  try {
    result = await copyToPostgres(store, url, progress);
  } finally {
    if (started) bar?.stop();
  }

  const total = Object.values(result.counts).reduce((a, b) => a + b, 0);
  if (opts.json || ctx.json) {
    ctx.io.out(jsonText({ target: shown, counts: result.counts, rows: total, attachment_files: result.files, missing_attachment_files: result.missingFiles.length, nul_replaced: Object.fromEntries(Object.entries(result.nulReplaced).filter(([t]) => t !== 'search_fts')) }, 2) + '\n');
  } else {
    const width = Math.max(...Object.keys(result.counts).map((t) => t.length));
    for (const [t, n] of Object.entries(result.counts)) ctx.io.out(`${t.padEnd(width)}  ${n}\n`);
  }
  const say = (t: string) => ctx.io.err(`${t}\n`);
  say(`copied the desk to ${shown}: ${total} rows in ${Object.keys(result.counts).length} tables, the same count on both sides`);
  if (result.files) say(`copied ${result.files} attachment file(s) to ${result.targetDataDir}`);
  if (result.missingFiles.length) say(`warning: ${result.missingFiles.length} attachment file(s) named by the desk were not in ${store.dataDir} (the tickets keep their metadata)`);
  const nul = Object.entries(result.nulReplaced).filter(([t]) => t !== 'search_fts');
  if (nul.length) {
    say(`warning: ${nul.reduce((a, [, n]) => a + n, 0)} text value(s) (${nul.map(([t, n]) => `${n} in ${t}`).join(', ')}) held the NUL character, which PostgreSQL text cannot hold: they are stored with U+FFFD in its place (raw mail keeps its bytes)`);
  }
  say('the SQLite desk was left as it was; to use the new database from now on:');
  say(`  desk config set db ${shellWord(withoutPassword(url))}`);
  if (hasPassword(url)) say('  (the password is not written into the config: give it in PGPASSWORD or ~/.pgpass)');
}
