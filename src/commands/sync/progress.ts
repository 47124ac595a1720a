// A progress bar for long syncs: on stderr, and only when stderr is a terminal (never in cron
// mail, never mixed into --json on stdout).
import type { Io } from '../../ui/io.js';
import { safeLine } from '../../ui/safe-text.js';

export interface ProgressReporter {
  update(done: number, total: number): void;
  stop(): void;
}

const NONE: ProgressReporter = { update: () => undefined, stop: () => undefined };

/** Shown only for syncs big enough to wait for. */
const MIN_TOTAL = 200;

export function progressReporter(io: Io, label: string, wanted: boolean, unit = 'UIDs'): ProgressReporter {
  const stream = io.progress;
  if (!wanted || !stream) return NONE;
  let bar: import('cli-progress').SingleBar | null = null;
  let loading: Promise<void> | null = null;
  return {
    update(done, total) {
      if (total < MIN_TOTAL) return;
      if (!bar && !loading) {
        loading = import('cli-progress').then(({ default: cliProgress }) => {
          bar = new cliProgress.SingleBar(
            { format: `${safeLine(label)} [{bar}] {percentage}% {value}/{total} ${unit}`, stream, hideCursor: true, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, done);
        });
        return;
      }
      bar?.update(done);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
