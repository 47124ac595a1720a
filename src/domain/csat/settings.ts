// The config's `csat` settings (customer satisfaction surveys): checked on load by
// src/config-check.ts (csatProblems), read by the sync (csatSettingsOf).
export const CSAT_SCALES = ['1-5', 'good-bad'] as const;
export type CsatScale = (typeof CSAT_SCALES)[number];

export interface CsatSettings {
  enabled: boolean;
  /** seconds after a ticket is solved before its survey goes out */
  delay: number;
  scale: CsatScale;
  question: string;
  /** seconds: at most one survey per customer in this long */
  period: number;
  /** optional text placed above the links (plain text) */
  template: string | null;
}

export const DEFAULT_QUESTION = 'How would you rate the support you received?';

const SPAN = /^(\d{1,6})([smhdw])$/;
const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds in "30m", "1d", "2w" (one number and one unit), or null. */
export function parseSpan(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = SPAN.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * UNIT[m[2]!]!;
}

type Obj = Record<string, unknown>;
const KEYS = ['enabled', 'delay', 'scale', 'question', 'period', 'template'];

/** Problems of a `csat` value, as [setting, problem] pairs; empty when it is fine. */
export function csatProblems(raw: unknown): [string, string][] {
  const out: [string, string][] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [['csat', 'must be a mapping (enabled, delay, scale, question, period, template)']];
  const c = raw as Obj;
  if (c.enabled !== undefined && typeof c.enabled !== 'boolean') out.push(['csat.enabled', 'must be true or false']);
  if (c.delay !== undefined && parseSpan(c.delay) === null) out.push(['csat.delay', "must be a span like '30m', '4h', '1d' or '2w'"]);
  if (c.period !== undefined && parseSpan(c.period) === null) out.push(['csat.period', "must be a span like '7d' or '30d'"]);
  if (c.scale !== undefined && !(CSAT_SCALES as readonly unknown[]).includes(c.scale)) out.push(['csat.scale', `must be one of ${CSAT_SCALES.join(', ')}`]);
  if (c.question !== undefined && (typeof c.question !== 'string' || !c.question.trim() || c.question.length > 500)) out.push(['csat.question', 'must be a line of text (at most 500 characters)']);
  if (c.template !== undefined && (typeof c.template !== 'string' || c.template.length > 20000)) out.push(['csat.template', 'must be text (at most 20000 characters)']);
  for (const k of Object.keys(c)) if (!KEYS.includes(k)) out.push([`csat.${k}`, `is not a setting (${KEYS.join(', ')})`]);
  return out;
}

/** The settings of a checked config value; null when `csat` is absent or not enabled. */
export function csatSettingsOf(raw: unknown): CsatSettings | null {
  if (raw == null || csatProblems(raw).length) return null;
  const c = raw as Obj;
  if (c.enabled !== true) return null;
  return {
    enabled: true,
    delay: parseSpan(c.delay ?? '1d')!,
    scale: (c.scale as CsatScale | undefined) ?? '1-5',
    question: typeof c.question === 'string' ? c.question.trim() : DEFAULT_QUESTION,
    period: parseSpan(c.period ?? '30d')!,
    template: typeof c.template === 'string' ? c.template : null,
  };
}

/** The ratings of a scale, best last. */
export function ratingsOf(scale: CsatScale): string[] {
  return scale === 'good-bad' ? ['bad', 'good'] : ['1', '2', '3', '4', '5'];
}

/** A rating as a number on 1..5 (good 5, bad 1), for averages and comparisons. */
export function ratingValue(rating: string): number {
  if (rating === 'good') return 5;
  if (rating === 'bad') return 1;
  return Number(rating);
}

/** The lowest satisfied score: 4 or 5, or good (the CSAT score, `customer show` and `csat:good` count these). */
export const SATISFIED_FROM = 4;

export function isSatisfied(score: number): boolean {
  return score >= SATISFIED_FROM;
}
