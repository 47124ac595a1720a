// Measuring tickets read as clock inputs (domain/sla/inputs.ts), whichever store they come from:
// a report's figures straight from the numbers (per-ticket objects only for --by ticket), or the
// running clocks of at-risk. The SQLite reader (clock-inputs.ts, possibly on two threads:
// parallel.ts) and the PostgreSQL one (postgres-clock-inputs.ts) both hand their batches here, so
// both backends measure with the one code.
import {
  atRiskClocks, evaluateHistory, historyOf, parsePolicyFile, SlaReportBuilder, tallyClockInputs,
  type AtRiskClock, type ClockInputBatch, type ReportOptions, type ReportState, type TicketFields,
} from '../../domain/sla/index.js';
import type { SlaReadOptions } from './histories.js';

export interface MeasureCommon {
  /** the policy file's text and name: a worker parses it again (calendars do not cross threads) */
  policy: { text: string; source: string };
  now: number;
  read: SlaReadOptions;
}

export type Measure =
  | (MeasureCommon & { kind: 'report'; report: Omit<ReportOptions, 'now'> })
  | (MeasureCommon & { kind: 'at-risk'; within: number; includeBreached: boolean; keep: { assignee?: string | null; queue?: string } });

export type MeasureResult<T extends Measure> = T extends { kind: 'report' } ? ReportState : AtRiskClock[];

function keeps(keep: { assignee?: string | null; queue?: string }, t: TicketFields): boolean {
  return (keep.assignee === undefined || t.assignee === keep.assignee) && (keep.queue === undefined || t.queue === keep.queue);
}

/** Takes batches one after the other (in id order) and gives the task's result at the end. */
export function measurer<T extends Measure>(task: T): { add(batch: ClockInputBatch): void; result(): MeasureResult<T> } {
  const set = parsePolicyFile(task.policy.text, task.policy.source);
  const now = new Date(task.now);
  if (task.kind === 'report') {
    const builder = new SlaReportBuilder({ ...task.report, now });
    const byTicket = task.report.by === 'ticket';
    return {
      add(batch) {
        // Group figures straight from the numbers; per-ticket objects need the general evaluation.
        if (!byTicket) tallyClockInputs(set, builder, batch, now);
        else for (let i = 0; i < batch.count; i++) builder.add(evaluateHistory(set, ...historyOf(batch, i), now));
      },
      result: () => builder.state() as MeasureResult<T>,
    };
  }
  const list: AtRiskClock[] = [];
  const opts = { within: task.within, includeBreached: task.includeBreached };
  return {
    add(batch) {
      for (let i = 0; i < batch.count; i++) {
        const [ticket, history] = historyOf(batch, i);
        if (keeps(task.keep, ticket)) list.push(...atRiskClocks(evaluateHistory(set, ticket, history, now), opts));
      }
    },
    result: () => list as MeasureResult<T>,
  };
}
