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
  'sqlite test/sync/silent-imap.test.ts': 48.073,
  'postgres test/reply/cli.test.ts': 36.437,
  'postgres test/sync/cli.test.ts': 35.282,
  'sqlite test/cli/postgres-sync.test.ts': 34.521,
  'postgres test/sync/silent-imap.test.ts': 33.821,
  'sqlite test/reply/silent-smtp.test.ts': 32.921,
  'sqlite test/cli/db.test.ts': 32.847,
  'sqlite test/reply/cli.test.ts': 30.163,
  'sqlite test/sync/cli.test.ts': 27.07,
  'postgres test/reply/silent-smtp.test.ts': 26.752,
  'postgres test/cli/transfer.test.ts': 24.984,
  'sqlite test/domain/linear-patterns.test.ts': 24.357,
  'sqlite test/commands/sla/clock-inputs.test.ts': 24.154,
  'postgres test/cli/merge-links.test.ts': 22.361,
  'postgres test/cli/hooks.test.ts': 22.174,
  'postgres test/commands/sla/clock-inputs.test.ts': 21.366,
  'sqlite test/cli/transfer.test.ts': 19.611,
  'sqlite test/cli/hostile-input.test.ts': 19.055,
  'postgres test/cli/first-week.test.ts': 18.381,
  'sqlite test/cli/first-week.test.ts': 18.317,
  'postgres test/cli/hostile-output.test.ts': 18.309,
  'sqlite test/cli/hostile-output.test.ts': 18.172,
  'sqlite test/cli/merge-links.test.ts': 18.048,
  'sqlite test/sync/csat.test.ts': 17.107,
  'postgres test/flow/snooze.test.ts': 16.803,
  'postgres test/sync/csat.test.ts': 16.115,
  'sqlite test/cli/hooks.test.ts': 16.061,
  'postgres test/cli/customers.test.ts': 15.95,
  'postgres test/commands/triage/live.test.ts': 15.683,
  'postgres test/cli/database-open.test.ts': 15.183,
  'sqlite test/flow/snooze.test.ts': 14.824,
  'sqlite test/sync/hostile-mail.test.ts': 14.772,
  'sqlite test/commands/escalate/escalate.test.ts': 14.721,
  'postgres test/reply/outbox.test.ts': 14.459,
  'sqlite test/kb/kb.test.ts': 14.36,
  'postgres test/commands/escalate/escalate.test.ts': 14.357,
  'postgres test/sync/local-fault.test.ts': 14.135,
  'sqlite test/notify/notifications.test.ts': 14.071,
  'postgres test/notify/notifications.test.ts': 14.045,
  'postgres test/cli/query.test.ts': 13.962,
  'sqlite test/sync/spam.test.ts': 13.808,
  'postgres test/sync/hostile-mail.test.ts': 13.384,
  'sqlite test/sync/engine.test.ts': 12.554,
  'postgres test/sync/spam.test.ts': 12.369,
  'sqlite test/cli/customers.test.ts': 12.364,
  'sqlite test/cli/database-open.test.ts': 12.328,
  'sqlite test/commands/triage/live.test.ts': 12.3,
  'postgres test/cli/concurrency.test.ts': 12.29,
  'sqlite test/sync/auto-ack.test.ts': 11.998,
  'postgres test/kb/kb.test.ts': 11.832,
  'sqlite test/cli/query.test.ts': 11.813,
  'postgres test/sync/auto-ack.test.ts': 11.743,
  'sqlite test/sync/local-fault.test.ts': 11.716,
  'postgres test/sync/engine.test.ts': 11.697,
  'sqlite test/flow/escalation.test.ts': 11.634,
  'postgres test/cli/agent-signature.test.ts': 11.327,
  'postgres test/cli/bulk.test.ts': 11.32,
  'sqlite test/reply/cc.test.ts': 11.23,
  'postgres test/commands/triage/tmux.test.ts': 11.201,
  'sqlite test/cli/postgres.test.ts': 11.172,
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
