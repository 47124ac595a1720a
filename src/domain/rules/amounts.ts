// Small value syntaxes of the rules file: durations ("24h", "1h30m") and fractions ("80%", 0.8).
// Each returns undefined on bad input so the caller can name the rule and field in its message.

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** "90m", "8h", "1h30m", "45s" → seconds (the syntax of docs/sla.md, plus seconds). */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m || (!m[1] && !m[2] && !m[3])) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** Largest plain number taken as a fraction: a bare 80 almost surely meant 80%, so it is refused. */
const MAX_PLAIN_FRACTION = 5;

/** "80%" → 0.8; 0.8 → 0.8. Must be above zero. */
export function parseFraction(value: unknown): number | undefined {
  let n: number;
  if (typeof value === 'number') {
    if (value > MAX_PLAIN_FRACTION) return undefined;
    n = value;
  } else if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*%\s*$/.test(value)) {
    n = Number(value.replace('%', '').trim()) / 100;
  } else {
    return undefined;
  }
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** 0.8 → "80%", for explanations. */
export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}

/** 93600 → "26h", 5400 → "1h30m": durations the way the rules file writes them. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', rest ? `${rest}s` : ''].join('');
  return parts || '0m';
}
