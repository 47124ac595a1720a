// Summary statistics for SLA reports.

/**
 * Nearest-rank percentile: the smallest value v such that at least p% of the values are <= v.
 * It is always a figure that actually occurred (a lead can point at the ticket), and for the
 * median of an even count it is the lower middle value. Null for no values.
 */
export function percentile(sortedAscending: ArrayLike<number>, p: number): number | null {
  const n = sortedAscending.length;
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sortedAscending[Math.min(n, rank) - 1];
}

/** a / b, or null when b is 0 (a rate of nothing is not 0% or 100%). */
export function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}
