// The rules engine: parse the rules file, triage new tickets, decide escalations.
export * from './types.js';
export { parseRules, validateRules, type ParseOptions } from './parse.js';
export { evaluateTriage, explainTriageMatch, type TriageInput, type TriageEnvironment, type TriageOutcome } from './triage.js';
export {
  evaluateEscalation, explainEscalationMatch, unansweredSince, ruleHasFired, nextTier, raisedPriority,
  type EscalationInput, type EscalationDecision, type EscalationOutcome, type Notification,
} from './escalation.js';
export { eligibleAgents, pickRoundRobin, pickLeastLoaded, type RoundRobinCursor } from './assignment.js';
export { parseDuration, parseFraction, formatDuration, formatPercent } from './amounts.js';
