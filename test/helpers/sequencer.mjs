// The order jest starts test files in (jest.config.ts: testSequencer). With two workers, a long
// file started last keeps one of them busy while the other idles: longest first keeps both busy
// to the end. Jest sorts by the durations it cached from earlier runs, and without them (a fresh
// CI machine) by file size, which puts files that wait on servers and timeouts far too late.
// So: a file that failed last time first (as jest does), then by the duration jest cached, or
// else the one below (seconds, from a CI run: the files that take longest), then by size.
// The list is a hint for the order only: a file missing from it, or renamed, still runs.
import Sequencer from '@jest/test-sequencer';

const BaseSequencer = Sequencer.default ?? Sequencer;

/** "project path" → seconds a CI run took (refresh from a CI log's "PASS <project> <path> (N s)" lines). */
export const CI_SECONDS = {
  'sqlite test/cli/db.test.ts': 36.686,
  'postgres test/sync/cli.test.ts': 36.071,
  'sqlite test/cli/postgres-sync.test.ts': 33.566,
  'postgres test/commands/sla/clock-inputs.test.ts': 32.921,
  'postgres test/cli/transfer.test.ts': 30.723,
  'postgres test/reply/cli.test.ts': 30.547,
  'sqlite test/domain/linear-patterns.test.ts': 30.345,
  'postgres test/sync/silent-imap.test.ts': 29.441,
  'sqlite test/sync/silent-imap.test.ts': 27.842,
  'sqlite test/sync/cli.test.ts': 27.493,
  'sqlite test/reply/cli.test.ts': 25.977,
  'postgres test/reply/silent-smtp.test.ts': 24.875,
  'sqlite test/commands/sla/clock-inputs.test.ts': 23.899,
  'sqlite test/sync/hostile-mail.test.ts': 23.67,
  'sqlite test/reply/silent-smtp.test.ts': 23.195,
  'postgres test/cli/merge-links.test.ts': 22.718,
  'sqlite test/cli/hostile-input.test.ts': 22.678,
  'postgres test/cli/first-week.test.ts': 21.762,
  'postgres test/cli/hostile-output.test.ts': 20.969,
  'postgres test/reply/outbox.test.ts': 20.841,
  'postgres test/commands/triage/live.test.ts': 20.672,
  'postgres test/sync/engine.test.ts': 20.667,
  'sqlite test/cli/transfer.test.ts': 19.875,
  'postgres test/sync/hostile-mail.test.ts': 19.117,
  'postgres test/sync/local-fault.test.ts': 18.874,
  'postgres test/cli/query.test.ts': 18.492,
  'sqlite test/cli/first-week.test.ts': 18.371,
  'sqlite test/cli/merge-links.test.ts': 17.727,
  'sqlite test/notify/notifications.test.ts': 17.632,
  'postgres test/kb/kb.test.ts': 17.491,
  'postgres test/cli/hooks.test.ts': 17.356,
  'postgres test/cli/customers.test.ts': 17.176,
  'sqlite test/sync/engine.test.ts': 16.962,
  'sqlite test/cli/hooks.test.ts': 16.65,
  'postgres test/notify/notifications.test.ts': 16.526,
  'sqlite test/cli/database-open.test.ts': 16.509,
  'postgres test/flow/snooze.test.ts': 16.482,
  'postgres test/cli/database-open.test.ts': 16.182,
  'sqlite test/cli/hostile-output.test.ts': 16.09,
  'sqlite test/flow/snooze.test.ts': 15.379,
  'postgres test/sync/csat.test.ts': 15.213,
  'sqlite test/cli/customers.test.ts': 14.887,
  'sqlite test/commands/escalate/escalate.test.ts': 14.53,
  'postgres test/sync/spam.test.ts': 14.016,
  'postgres test/commands/escalate/escalate.test.ts': 13.964,
  'sqlite test/sync/spam.test.ts': 13.937,
  'sqlite test/sync/csat.test.ts': 13.721,
  'sqlite test/store/postgres.test.ts': 13.719,
  'postgres test/commands/triage/tmux.test.ts': 13.576,
  'postgres test/cli/bulk.test.ts': 13.571,
  'sqlite test/sync/local-fault.test.ts': 13.191,
  'sqlite test/kb/kb.test.ts': 13.091,
  'postgres test/flow/escalation.test.ts': 12.966,
  'postgres test/cli/agent-signature.test.ts': 12.762,
  'postgres test/sync/auto-ack.test.ts': 12.222,
  'postgres test/store/import-batches.test.ts': 12.214,
  'sqlite test/commands/completion/shells.test.ts': 12.057,
  'postgres test/cli/concurrency.test.ts': 12.047,
  'sqlite test/cli/agent-signature.test.ts': 11.661,
  'sqlite test/commands/sla/sla-cli.test.ts': 11.223,
};

export default class LongestFirst extends BaseSequencer {
  sort(tests) {
    const size = new Map();
    const sizeOf = (t) => size.get(t.path) ?? size.set(t.path, t.context.hasteFS.getSize(t.path) ?? 0).get(t.path);
    const key = (t) => `${t.context.config.displayName?.name ?? ''} ${t.path.slice(t.context.config.rootDir.length + 1)}`;
    for (const t of tests) t.duration = this.time(t) ?? (CI_SECONDS[key(t)] === undefined ? undefined : CI_SECONDS[key(t)] * 1000);
    return tests.sort((a, b) => {
      const failedA = this.hasFailed(a), failedB = this.hasFailed(b);
      if (failedA !== failedB) return failedA ? -1 : 1;
      if ((a.duration == null) !== (b.duration == null)) return a.duration == null ? 1 : -1;
      if (a.duration != null && b.duration != null && a.duration !== b.duration) return b.duration - a.duration;
      return sizeOf(b) - sizeOf(a);
    });
  }
}
