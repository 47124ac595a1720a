// SLA engine (spec/sla.md): policy files, business calendars, clocks, explanations, reports.
export { parsePolicyFile, policySetFrom, matchPolicy, matchFieldsUsed, CLOCK_NAMES } from './policy.js';
export type { SlaPolicy, SlaPolicySet, PolicyMatch, ClockName } from './policy.js';
export { ALWAYS, buildCalendar } from './calendar.js';
export type { BusinessCalendar, CalendarSpec, CalendarPiece } from './calendar.js';
export { parseDuration, formatDuration } from './duration.js';
export { evaluateTicket, evaluateHistory, nearestDueAt, countingTime } from './clocks.js';
export type { TicketFields, ClockFigures, NextResponseFigures, NextResponsePeriod, TicketSla, TicketEvaluation, Outcome, MeasuredClock } from './clocks.js';
export { explainTicket, SEGMENT_KINDS } from './explain.js';
export type { TicketExplanation, ClockExplanation, ExplainSegment, SegmentKind } from './explain.js';
export { SlaReportBuilder, buildReport, GROUP_BYS } from './report.js';
export type { SlaReport, GroupFigures, GroupBy, GroupField, ReportOptions, ReportState, TallyData } from './report.js';
export { atRiskClocks, sortAtRisk } from './at-risk.js';
export type { AtRiskClock, AtRiskOptions } from './at-risk.js';
export { PERIODS } from './periods.js';
export { compactHistory } from './timeline.js';
export type { SlaTicket, CompactHistory } from './timeline.js';
export type { Period } from './periods.js';
